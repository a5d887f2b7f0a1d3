public import AuditStore
import Foundation
public import KafkaBridge
public import Logging
import Messages
public import ServiceLifecycle
public import ServiceRuntime
import Synchronization
import VenueKit

/// Settings of the audit-logger.
///
/// ## Configuration keys
/// - store: `--db PATH` (SQLite, default `.tradewire/audit.sqlite`) or `--postgres DSN`
/// - `batchSize` (default 2000) and `linger` (default 20 ms): records per database transaction, and how long a
///   partial batch waits for more
/// - Kafka: `KAFKA_BROKERS`; the consumer group is `audit-logger` (one instance: the chain has one writer)
public struct AuditLoggerConfiguration: Sendable {
    /// Consumer of every catalogue topic.
    public var consumer: KafkaConsumerConfiguration
    /// Records per transaction at most.
    public var batchSize: Int
    /// How long a partial batch waits.
    public var linger: Duration

    /// Settings with defaults.
    public init(bootstrapServers: [String] = KafkaBootstrap.fromEnvironment()) {
        self.consumer = KafkaConsumerConfiguration(groupID: "audit-logger", bootstrapServers: bootstrapServers)
        self.consumer.autoOffsetReset = .earliest
        self.consumer.maxBufferedEvents = 20_000
        self.batchSize = 2000
        self.linger = .milliseconds(20)
    }
}

/// The audit-logger: every record of every catalogue topic, stored once (topic/partition/offset) in the
/// hash-chained store; offsets are marked processed only after the database transaction committed, so a crash at
/// any moment loses nothing and stores nothing twice.
public enum AuditLogger {
    /// Builds the services: the consumer, then the writer.
    public static func makeServices(
        configuration: AuditLoggerConfiguration, store: any AuditStore, metrics: ServiceMetrics, health: HealthBoard,
        logger: Logger
    ) throws -> [any Service] {
        let consumer = try KafkaConsumer(
            configuration: configuration.consumer, topics: TopicCatalogue.all.map(\.name), logger: logger)
        let writer = AuditWriter(
            consumer: consumer, store: store, batchSize: configuration.batchSize, linger: configuration.linger,
            metrics: metrics, health: health, logger: logger)
        return [consumer, writer]
    }
}

/// Reads records into batches and writes each batch in one transaction.
final class AuditWriter: Service, Sendable {
    private let consumer: KafkaConsumer
    private let store: any AuditStore
    private let batchSize: Int
    private let linger: Duration
    private let metrics: ServiceMetrics
    private let health: HealthBoard
    private let logger: Logger
    private let buffer: BatchBuffer

    init(
        consumer: KafkaConsumer, store: any AuditStore, batchSize: Int, linger: Duration, metrics: ServiceMetrics,
        health: HealthBoard, logger: Logger
    ) {
        self.consumer = consumer
        self.store = store
        self.batchSize = batchSize
        self.linger = linger
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.buffer = BatchBuffer(capacity: batchSize * 4)
        health.set("store", problem: nil)
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in self.consumer.messages.cancelOnGracefulShutdown() {
                        await self.buffer.append(message)
                    }
                } catch {
                    self.logger.error("Record stream failed", metadata: ["error": "\(error)"])
                }
                self.buffer.close()
            }
            group.addTask { await self.writeBatches() }
            await group.waitForAll()
        }
    }

    private func writeBatches() async {
        while let batch = await self.buffer.next(maximum: self.batchSize, linger: self.linger) {
            let records = batch.map {
                AuditRecord(
                    topic: $0.topic, partition: $0.partition, offset: $0.offset, key: $0.key, timestamp: $0.timestamp,
                    value: $0.value)
            }
            var backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(5))
            while true {
                let started = ContinuousClock.now
                do {
                    let inserted = try await self.store.append(records)
                    self.metrics.auditStored(inserted: inserted, duplicates: records.count - inserted, duration: ContinuousClock.now - started)
                    self.health.set("store", problem: nil)
                    break
                } catch {
                    self.health.set("store", problem: "writes failing")
                    self.logger.error("Audit batch not stored; retrying", metadata: ["error": "\(error)", "batch.size": "\(records.count)"])
                    try? await Task.sleep(for: backoff.next())
                }
            }
            // Only now may the offsets advance: the batch is in the database.
            var last: [String: KafkaConsumerMessage] = [:]
            for message in batch { last["\(message.topic)#\(message.partition)"] = message }
            for message in last.values { try? self.consumer.markProcessed(message) }
        }
    }
}

/// A bounded buffer between the consumer and the writer.
final class BatchBuffer: Sendable {
    private struct State {
        var items: [KafkaConsumerMessage] = []
        var closed = false
        var reader: CheckedContinuation<Void, Never>?
        var writers: [CheckedContinuation<Void, Never>] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = capacity }

    /// Adds a message, waiting while the buffer is full.
    func append(_ message: KafkaConsumerMessage) async {
        while true {
            let full = self.state.withLock { $0.items.count >= self.capacity && !$0.closed }
            if !full { break }
            await withCheckedContinuation { continuation in
                let resumeNow = self.state.withLock { state -> Bool in
                    guard state.items.count >= self.capacity, !state.closed else { return true }
                    state.writers.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        let reader = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.items.append(message)
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// No more messages will come.
    func close() {
        let (reader, writers) = self.state.withLock { state in
            state.closed = true
            defer { state.reader = nil; state.writers = [] }
            return (state.reader, state.writers)
        }
        reader?.resume()
        for writer in writers { writer.resume() }
    }

    /// The next batch: waits for a first message, then up to `linger` for more (or until `maximum`); nil when closed
    /// and empty.
    func next(maximum: Int, linger: Duration) async -> [KafkaConsumerMessage]? {
        await self.waitForItems()
        let deadline = ContinuousClock.now + linger
        while ContinuousClock.now < deadline, self.state.withLock({ $0.items.count < maximum && !$0.closed }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
        let (batch, writers) = self.state.withLock { state -> ([KafkaConsumerMessage], [CheckedContinuation<Void, Never>]) in
            let count = min(maximum, state.items.count)
            let batch = Array(state.items.prefix(count))
            state.items.removeFirst(count)
            defer { state.writers = [] }
            return (batch, state.writers)
        }
        for writer in writers { writer.resume() }
        if batch.isEmpty { return self.state.withLock { $0.closed } ? nil : [] }
        return batch
    }

    private func waitForItems() async {
        await withCheckedContinuation { continuation in
            let ready = self.state.withLock { state -> Bool in
                if !state.items.isEmpty || state.closed { return true }
                state.reader = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
