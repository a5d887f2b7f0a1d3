public import Foundation
public import KafkaBridge
public import Logging
public import Messages
public import ServiceLifecycle
import Synchronization

/// The executor's journal on `orders.state` (key = commandId, compacted on real Kafka): an intent before the venue
/// is called, the outcome after. It is how a command is never executed twice — across restarts and rebalances —
/// and how an executor finds the orders that are in doubt (an intent without an outcome).
///
/// ``run()`` reads the whole topic and keeps following it (other instances' entries arrive too);
/// ``waitUntilReplayed()`` returns once everything that was on the topic when the journal started has been read.
public final class OrderJournal: Service, Sendable {
    /// What the journal knows of one command.
    public enum Entry: Sendable, Hashable {
        /// The venue call was (or was about to be) made; the outcome is not journaled: in doubt.
        case intent(OrderCommand, attempt: Int)
        /// The command is finished; this is its terminal report.
        case done(ExecutionReport)
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let executorID: String
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var entries: [UUID: Entry] = [:]
        var targets: [Int32: Int64]?  // high watermark per partition at start
        var seen: [Int32: Int64] = [:]
        var replayWaiters: [CheckedContinuation<Void, Never>] = []
        var isReplayed: Bool {
            guard let targets else { return false }
            return targets.allSatisfy { partition, high in high == 0 || (self.seen[partition] ?? -1) >= high - 1 }
        }
    }

    /// Creates a journal reading with `consumer` (its own, with a group unique to this process, from the earliest
    /// offset, subscribed to `orders.state`) and writing with `producer`.
    public init(consumer: KafkaConsumer, producer: KafkaProducer, executorID: String, logger: Logger) {
        self.consumer = consumer
        self.producer = producer
        self.executorID = executorID
        self.logger = logger
    }

    /// What is known of `commandId`.
    public func entry(_ commandId: UUID) -> Entry? { self.state.withLock { $0.entries[commandId] } }

    /// Commands with an intent and no outcome (to reconcile against the venue before serving it).
    public func inDoubt(venue: String? = nil) -> [OrderCommand] {
        self.state.withLock { state in
            state.entries.values.compactMap { entry -> OrderCommand? in
                guard case .intent(let command, _) = entry, venue == nil || command.venue == venue else { return nil }
                return command
            }
        }
    }

    /// Journals the intent to call the venue, and waits until the broker has it.
    public func recordIntent(_ command: OrderCommand, attempt: Int = 1) async throws {
        let entry = JournalEntry(
            commandId: command.commandId, venue: command.venue, phase: .intent, executor: self.executorID,
            attempt: attempt, command: command, recordedAt: .now())
        try await self.write(entry)
        self.apply(entry)
    }

    /// Journals the terminal outcome, and waits until the broker has it.
    public func recordDone(_ report: ExecutionReport) async throws {
        let entry = JournalEntry(
            commandId: report.commandId, venue: report.venue, phase: .done, executor: self.executorID, attempt: 1,
            report: report, recordedAt: .now())
        try await self.write(entry)
        self.apply(entry)
    }

    /// Returns once the journal has read everything that was on `orders.state` when it started.
    public func waitUntilReplayed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = self.state.withLock { state -> Bool in
                if state.isReplayed { return true }
                state.replayWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Reads the journal until graceful shutdown.
    public func run() async throws {
        try await self.captureTargets()
        for try await message in self.consumer.messages.cancelOnGracefulShutdown() {
            if let entry = try? WireFormat.decode(JournalEntry.self, from: message.value) {
                self.apply(entry)
            } else {
                self.logger.warning("Unreadable journal entry skipped", metadata: ["kafka.offset": "\(message.offset)"])
            }
            let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.seen[message.partition] = max(state.seen[message.partition] ?? -1, message.offset)
                guard state.isReplayed else { return [] }
                defer { state.replayWaiters = [] }
                return state.replayWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    private func captureTargets() async throws {
        let topic = TopicCatalogue.ordersState
        var targets: [Int32: Int64] = [:]
        for partition in 0..<Int32(topic.partitions) {
            targets[partition] = try await self.consumer.watermarks(topic: topic.name, partition: partition).high
        }
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.targets = targets
            guard state.isReplayed else { return [] }
            defer { state.replayWaiters = [] }
            return state.replayWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func write(_ entry: JournalEntry) async throws {
        _ = try await self.producer.send(KafkaProducerMessage(
            topic: TopicCatalogue.ordersState.name, key: entry.commandId.uuidString.lowercased(),
            value: try WireFormat.encode(entry), headers: [KafkaHeader(key: "schema", string: "journal-entry/v1")]))
    }

    /// An outcome is final: a later intent for the same command never replaces it.
    private func apply(_ entry: JournalEntry) {
        self.state.withLock { state in
            switch entry.phase {
            case .done:
                if let report = entry.report { state.entries[entry.commandId] = .done(report) }
            case .intent:
                guard let command = entry.command else { return }
                if case .done = state.entries[entry.commandId] { return }
                state.entries[entry.commandId] = .intent(command, attempt: entry.attempt)
            }
        }
    }
}
