import Dispatch
import Foundation

/// The embedded audit store: one SQLite file (WAL journal, `synchronous=FULL`, so a committed batch survives a crash
/// or power loss). One writer at a time (the audit-logger); readers (the CLI) may open the same file concurrently.
public final class SQLiteAuditStore: AuditStore, @unchecked Sendable {
    // @unchecked: the connection and statements are touched only on `queue`.
    private let queue = DispatchQueue(label: "tradewire.audit.sqlite")
    private let database: SQLiteDatabase
    private var lastHash: Data?
    public let path: String

    static let columns = #"id, topic, partition, "offset", key, timestamp_ms, payload, schema, command_id, client_order_id, venue, prev_hash, hash"#

    /// Opens (creating when missing, unless `readOnly`) the database at `path`.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        if !readOnly {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        self.database = try SQLiteDatabase(path: path, readOnly: readOnly)
        if !readOnly {
            try self.database.execute("""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS audit_records (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    topic TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    "offset" INTEGER NOT NULL,
                    key TEXT,
                    timestamp_ms INTEGER,
                    payload BLOB NOT NULL,
                    schema TEXT,
                    command_id TEXT,
                    client_order_id TEXT,
                    venue TEXT,
                    stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                    prev_hash BLOB NOT NULL,
                    hash BLOB NOT NULL,
                    UNIQUE (topic, partition, "offset")
                );
                CREATE INDEX IF NOT EXISTS audit_by_command ON audit_records (command_id);
                CREATE INDEX IF NOT EXISTS audit_by_client_order ON audit_records (client_order_id);
                CREATE INDEX IF NOT EXISTS audit_by_venue_time ON audit_records (venue, timestamp_ms);
                CREATE INDEX IF NOT EXISTS audit_by_time ON audit_records (timestamp_ms);
                """)
        }
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            self.queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    public func append(_ records: [AuditRecord]) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        return try await self.onQueue { try self.appendNow(records) }
    }

    private func appendNow(_ records: [AuditRecord]) throws -> Int {
        try self.database.execute("BEGIN IMMEDIATE")
        do {
            var previous = try self.lastHash ?? self.readLastHash()
            let insert = try self.database.prepare("""
                INSERT OR IGNORE INTO audit_records
                    (topic, partition, "offset", key, timestamp_ms, payload, schema, command_id, client_order_id, venue, prev_hash, hash)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """)
            var inserted = 0
            for record in records {
                let hash = record.chainHash(previous: previous)
                insert.bind(1, record.topic)
                insert.bind(2, Int64(record.partition))
                insert.bind(3, record.offset)
                insert.bind(4, record.key)
                insert.bind(5, record.timestampMs)
                insert.bind(6, record.payload)
                insert.bind(7, record.schema)
                insert.bind(8, record.commandId)
                insert.bind(9, record.clientOrderId)
                insert.bind(10, record.venue)
                insert.bind(11, previous)
                insert.bind(12, hash)
                _ = try insert.step()
                if self.database.changes > 0 {
                    previous = hash
                    inserted += 1
                }
                insert.reset()
            }
            try self.database.execute("COMMIT")
            self.lastHash = previous
            return inserted
        } catch {
            try? self.database.execute("ROLLBACK")
            self.lastHash = nil
            throw error
        }
    }

    private func readLastHash() throws -> Data {
        let statement = try self.database.prepare("SELECT hash FROM audit_records ORDER BY id DESC LIMIT 1")
        return try statement.step() ? statement.data(0) : AuditRecord.genesis
    }

    public func rows(after id: Int64, limit: Int) async throws -> [AuditRow] {
        try await self.onQueue {
            try self.select("SELECT \(Self.columns) FROM audit_records WHERE id > ?1 ORDER BY id LIMIT ?2") { statement in
                statement.bind(1, id)
                statement.bind(2, Int64(limit))
            }
        }
    }

    public func count() async throws -> Int64 {
        try await self.onQueue {
            let statement = try self.database.prepare("SELECT count(*) FROM audit_records")
            return try statement.step() ? statement.int64(0) ?? 0 : 0
        }
    }

    public func trail(commandId: String?, clientOrderId: String?) async throws -> [AuditRow] {
        try await self.onQueue {
            // The rows that name the order; then everything naming any of their command or client order ids.
            var commands = Set([commandId?.lowercased()].compactMap { $0 })
            var clients = Set([clientOrderId].compactMap { $0 })
            var rows: [Int64: AuditRow] = [:]
            for _ in 0..<2 {
                let commandList = commands.sorted()
                let clientList = clients.sorted()
                let found = try self.select("""
                    SELECT \(Self.columns) FROM audit_records
                    WHERE command_id IN (SELECT value FROM json_each(?1)) OR client_order_id IN (SELECT value FROM json_each(?2))
                    """) { statement in
                    statement.bind(1, Self.jsonArray(commandList))
                    statement.bind(2, Self.jsonArray(clientList))
                }
                for row in found {
                    rows[row.id] = row
                    if let id = row.record.commandId { commands.insert(id) }
                    if let id = row.record.clientOrderId { clients.insert(id) }
                }
            }
            // The venue's auth traffic around the order (a token refresh during it, say).
            let venues = Set(rows.values.compactMap(\.record.venue)).sorted()
            let times = rows.values.compactMap(\.record.timestampMs)
            if let first = times.min(), let last = times.max(), !venues.isEmpty {
                let auth = try self.select("""
                    SELECT \(Self.columns) FROM audit_records
                    WHERE topic IN ('auth.events', 'auth.refresh-requests', 'auth.tokens')
                      AND venue IN (SELECT value FROM json_each(?1)) AND timestamp_ms BETWEEN ?2 AND ?3
                    """) { statement in
                    statement.bind(1, Self.jsonArray(venues))
                    statement.bind(2, first - 2000)
                    statement.bind(3, last + 2000)
                }
                for row in auth { rows[row.id] = row }
            }
            return rows.values.sorted { ($0.record.timestampMs ?? 0, $0.id) < ($1.record.timestampMs ?? 0, $1.id) }
        }
    }

    public func search(_ query: AuditQuery) async throws -> [AuditRow] {
        try await self.onQueue {
            try self.select("""
                SELECT \(Self.columns) FROM audit_records
                WHERE (?1 IS NULL OR venue = ?1) AND (?2 IS NULL OR topic = ?2)
                  AND (?3 IS NULL OR timestamp_ms >= ?3) AND (?4 IS NULL OR timestamp_ms < ?4)
                ORDER BY timestamp_ms, id LIMIT ?5
                """) { statement in
                statement.bind(1, query.venue)
                statement.bind(2, query.topic)
                statement.bind(3, query.from.map { Int64($0.timeIntervalSince1970 * 1000) })
                statement.bind(4, query.to.map { Int64($0.timeIntervalSince1970 * 1000) })
                statement.bind(5, Int64(query.limit))
            }
        }
    }

    private func select(_ sql: String, bind: (SQLiteDatabase.Statement) -> Void) throws -> [AuditRow] {
        let statement = try self.database.prepare(sql)
        bind(statement)
        var rows: [AuditRow] = []
        while try statement.step() {
            let record = AuditRecord(
                topic: statement.string(1) ?? "", partition: Int32(statement.int64(2) ?? 0), offset: statement.int64(3) ?? 0,
                key: statement.string(4), timestampMs: statement.int64(5), payload: statement.data(6),
                schema: statement.string(7), commandId: statement.string(8), clientOrderId: statement.string(9),
                venue: statement.string(10))
            rows.append(AuditRow(id: statement.int64(0) ?? 0, record: record, previousHash: statement.data(11), hash: statement.data(12)))
        }
        return rows
    }

    private static func jsonArray(_ values: [String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: values)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
