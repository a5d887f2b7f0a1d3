import AuditStore
import Foundation
import Logging
import TestSupport
import Testing

/// Runs `python3 -c script args…` (Python's own sqlite3 module: an outside writer editing the database file).
func python(_ script: String, _ arguments: [String]) async throws -> (Int32, String) {
    let (status, output) = try await ChildProcess.run("python3", ["-c", script] + arguments, includeErrors: true)
    return (status, String(decoding: output, as: UTF8.self))
}

func temporaryDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID()).sqlite").path
}

func sampleRecords(_ count: Int, topic: String = "orders.reports", partition: Int32 = 0, from offset: Int64 = 0) -> [AuditRecord] {
    (0..<count).map { index in
        let commandId = UUID().uuidString.lowercased()
        let value = Data(#"{"schema":"execution-report/v1","commandId":"\#(commandId)","clientOrderId":"c-\#(index)","venue":"mt4-demo","status":"filled"}"#.utf8)
        return AuditRecord(
            topic: topic, partition: partition, offset: offset + Int64(index), key: Data("mt4-demo".utf8),
            timestamp: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), value: value)
    }
}

/// The contract every audit store keeps; run against SQLite always and PostgreSQL when one is available.
func checkStoreContract(_ store: any AuditStore) async throws {
    let records = sampleRecords(50)
    #expect(try await store.append(records) == 50)
    // The same records again (a redelivery after a crash): nothing stored twice, the chain unchanged.
    #expect(try await store.append(Array(records[40...]) + sampleRecords(5, from: 50)) == 5)
    #expect(try await store.count() == 55)
    #expect(try await store.verify() == .intact(rows: 55))
    let rows = try await store.rows(after: 0, limit: 100)
    #expect(rows.map(\.record.offset) == Array(0..<55))
    #expect(rows.first?.previousHash == AuditRecord.genesis)
    for (earlier, later) in zip(rows, rows.dropFirst()) { #expect(later.previousHash == earlier.hash) }

    let target = try #require(rows.dropFirst(7).first)
    let trail = try await store.trail(commandId: target.record.commandId, clientOrderId: nil)
    #expect(trail.map(\.id) == [target.id])
    #expect(try await store.trail(commandId: nil, clientOrderId: "c-7").map(\.id) == [target.id])
    let window = try await store.search(AuditQuery(
        venue: "mt4-demo", from: Date(timeIntervalSince1970: 1_800_000_010), to: Date(timeIntervalSince1970: 1_800_000_020)))
    #expect(window.map(\.record.offset) == Array(10..<20))
    #expect(try await store.search(AuditQuery(topic: "orders.fills")).isEmpty)
}

@Suite
struct AuditStoreTests {
    @Test func sqliteStoresOnceChainsAndAnswersQueries() async throws {
        let path = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await checkStoreContract(try SQLiteAuditStore(path: path))
        // A reader opened afterwards (the CLI) sees the same chain.
        #expect(try await SQLiteAuditStore(path: path, readOnly: true).verify() == .intact(rows: 55))
    }

    @Test func grantsAreStoredAsMetadataOnly() throws {
        let value = Data(#"{"schema":"token-grant/v1","venue":"mt4-demo","protocol":"mt4server","version":3,"keyId":"k1","issuedAt":"2026-11-21T05:00:00.000Z","sealed":"c2VjcmV0LWJ5dGVz"}"#.utf8)
        let record = AuditRecord(topic: "auth.tokens", partition: 1, offset: 9, key: Data("mt4-demo".utf8), timestamp: nil, value: value)
        let text = String(decoding: record.payload, as: UTF8.self)
        #expect(!text.contains("sealed") && !text.contains("c2VjcmV0LWJ5dGVz"))
        #expect(text.contains(#""version":3"#) && record.venue == "mt4-demo" && record.schema == "token-grant/v1")
    }

    @Test func editingOneRowMakesVerifyFailAtThatRow() async throws {
        let path = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteAuditStore(path: path)
        _ = try await store.append(sampleRecords(30))
        #expect(try await store.verify() == .intact(rows: 30))
        // Someone with access to the file changes a fill price in row 17.
        let (status, output) = try await python("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE audit_records SET payload = replace(payload, 'filled', 'rejected') WHERE id = 17")
            db.commit()
            print(db.total_changes)
            """, [path])
        try #require(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "python3 sqlite3: \(output)")
        guard case .broken(let row, _, _, let offset, let reason) = try await SQLiteAuditStore(path: path, readOnly: true).verify() else {
            Issue.record("verify must fail")
            return
        }
        #expect(row == 17 && offset == 16)
        #expect(reason.contains("contents"))
    }

    @Test func postgresStoresOnceChainsAndAnswersQueriesWhenAServerIsAvailable() async throws {
        guard let dsn = ProcessInfo.processInfo.environment["TRADEWIRE_TEST_POSTGRES"] else {
            print("⚠️  SKIPPED: PostgreSQL audit store test — set TRADEWIRE_TEST_POSTGRES=postgres://user:password@127.0.0.1:5432/db (.ci/run does)")
            return
        }
        var logger = Logger(label: "audit-postgres-test")
        logger.logLevel = .warning
        let store = try PostgresAuditStore(connectionString: dsn, logger: logger)
        defer { store.shutdown() }
        // A fresh table for this run.
        _ = try await store.count()
        try await store.resetForTests()
        try await checkStoreContract(store)
    }
}
