import AuditStore
import EmbeddedKafka
import Foundation
import KafkaBridge
import Logging
import Messages
import TestSupport
import Synchronization
import Testing

private let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func executable(_ name: String) throws -> URL {
    let candidates = [".build/debug/\(name)", ".build/release/\(name)"].map { root.appendingPathComponent($0) }
    return try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
        "\(name) is not built: run `swift build` (make test does) before `swift test`")
}

/// Starts the `audit-logger` executable against `bootstrap`, writing to `database`.
private func startAuditLogger(bootstrap: String, database: String, log: URL) throws -> ChildProcess {
    try ChildProcess(
        try executable("audit-logger").path, ["--db", database, "--http-port", "0", "--batch-size", "500"],
        environment: ProcessInfo.processInfo.environment.merging(["KAFKA_BROKERS": bootstrap]) { _, new in new },
        stderr: .appending(log.path))
}

@Suite(.timeLimit(.minutes(3)))
struct AuditLoggerTests {
    @Test func killedWithSIGKILLMidStreamAndRestartedItStoresEveryRecordOnceWithoutAGap() async throws {
        var logger = Logger(label: "audit-kill-test")
        logger.logLevel = .warning
        let kafka = try EmbeddedKafkaBroker(logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-kill-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("audit.sqlite").path
        let log = directory.appendingPathComponent("audit-logger.stderr")

        var settings = KafkaProducerConfiguration(bootstrapServers: [kafka.bootstrapServers])
        settings.linger = .milliseconds(5)
        let producer = try KafkaProducer(configuration: settings, logger: logger)
        let total = 30_000
        try await withRunningServices([producer], logger: logger) {
            let first = try startAuditLogger(bootstrap: kafka.bootstrapServers, database: database, log: log)
            defer { first.signal(SIGKILL) }
            // A stream of fills over every partition, produced while the logger runs (paced: 200 every 10 ms, so it
            // lasts well beyond the moment of the kill).
            let produced = Mutex(0)
            @Sendable func fill(_ index: Int) -> KafkaProducerMessage {
                KafkaProducerMessage(
                    topic: TopicCatalogue.ordersFills.name, key: "k-\(index % 64)",
                    value: Data(#"{"schema":"fill/v1","fillId":"f-\#(index)","venue":"mt4-demo"}"#.utf8))
            }
            let reports = Task { for await _ in producer.deliveryReports {} }
            defer { reports.cancel() }
            // First the logger must be consuming (its group join takes seconds on the mock).
            for index in 0..<1000 { _ = try await producer.enqueue(fill(index)) }
            let reader = { try SQLiteAuditStore(path: database, readOnly: true) }
            let consuming = try await eventually(timeout: .seconds(60), interval: .milliseconds(20)) {
                guard FileManager.default.fileExists(atPath: database) else { return false }
                return ((try? await reader().count()) ?? 0) >= 1000
            }
            #expect(consuming)
            let stream = Task {
                for index in 1000..<total {
                    _ = try await producer.enqueue(fill(index))
                    produced.withLock { $0 = index + 1 }
                    if index % 200 == 199 { try await Task.sleep(for: .milliseconds(10)) }
                }
            }
            // Kill it hard once part of the stream is stored.
            let started = try await eventually(timeout: .seconds(60), interval: .milliseconds(10)) {
                ((try? await reader().count()) ?? 0) >= 3000
            }
            #expect(started)
            first.signal(SIGKILL)
            #expect(await first.wait() == 128 + SIGKILL)
            let producedAtKill = produced.withLock { $0 }
            #expect(producedAtKill < total, "killed in the middle of the stream (\(producedAtKill) of \(total) produced)")
            try await stream.value

            let second = try startAuditLogger(bootstrap: kafka.bootstrapServers, database: database, log: log)
            defer { second.signal(SIGKILL) }
            let complete = try await eventually(timeout: .seconds(90), interval: .milliseconds(100)) {
                ((try? await reader().count()) ?? 0) >= Int64(total)
            }
            let stored = try await reader().count()
            let tail = String(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(2000))
            #expect(complete, "stored \(stored) of \(total); log: \(tail)")
            second.signal(SIGTERM)
            #expect(await second.wait(timeout: .seconds(30)) == 0)

            // Every offset of every partition exactly once: no gap, no duplicate.
            let store = try reader()
            var offsets: [Int32: [Int64]] = [:]
            var after: Int64 = 0
            while true {
                let rows = try await store.rows(after: after, limit: 10_000)
                guard let last = rows.last else { break }
                for row in rows where row.record.topic == TopicCatalogue.ordersFills.name {
                    offsets[row.record.partition, default: []].append(row.record.offset)
                }
                after = last.id
            }
            #expect(offsets.values.reduce(0) { $0 + $1.count } == total)
            for (partition, list) in offsets {
                #expect(list.sorted() == Array(0..<Int64(list.count)), "partition \(partition): a gap or a duplicate")
            }
            #expect(try await store.verify() == .intact(rows: Int64(total)))
        }
    }
}
