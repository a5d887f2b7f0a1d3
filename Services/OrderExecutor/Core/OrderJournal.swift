public import Foundation
public import KafkaBridge
public import Logging
public import Messages
public import ServiceLifecycle
import ServiceRuntime
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

    /// An intent without an outcome, with who wrote it and when.
    public struct InDoubt: Sendable, Hashable {
        /// The command.
        public var command: OrderCommand
        /// The executor instance that journaled the intent.
        public var executor: String
        /// When the intent was journaled (the venue call came after).
        public var recordedAt: Timestamp
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let executorID: String
    private let logger: Logger
    private let replay = TopicReplay(topic: TopicCatalogue.ordersState)
    private let state = Mutex(State())

    private struct State {
        var entries: [UUID: Entry] = [:]
        var intents: [UUID: InDoubt] = [:]
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
        self.inDoubtEntries(venue: venue).map(\.command)
    }

    /// Intents without an outcome, with their writer and time.
    public func inDoubtEntries(venue: String? = nil) -> [InDoubt] {
        self.state.withLock { state in
            state.intents.values.filter { venue == nil || $0.command.venue == venue }
                .sorted { $0.recordedAt < $1.recordedAt }
        }
    }

    /// The in-doubt record of `commandId`, if its outcome is not journaled.
    public func inDoubtEntry(_ commandId: UUID) -> InDoubt? { self.state.withLock { $0.intents[commandId] } }

    /// Venue order ids that finished commands of `venue` already account for (so reconciliation never matches an
    /// in-doubt order to a position another command opened).
    public func claimedVenueOrderIDs(venue: String) -> Set<String> {
        self.state.withLock { state in
            Set(state.entries.values.compactMap { entry -> String? in
                guard case .done(let report) = entry, report.venue == venue, report.action == .place else { return nil }
                return report.venueOrderId
            })
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
    public func waitUntilReplayed() async { await self.replay.wait() }

    /// Reads the journal until graceful shutdown.
    public func run() async throws {
        try await self.replay.captureTargets(using: self.consumer)
        for try await message in self.consumer.messages.cancelOnGracefulShutdown() {
            if let entry = try? WireFormat.decode(JournalEntry.self, from: message.value) {
                self.apply(entry)
            } else {
                self.logger.warning("Unreadable journal entry skipped", metadata: ["kafka.offset": "\(message.offset)"])
            }
            self.replay.observe(partition: message.partition, offset: message.offset)
        }
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
                guard let report = entry.report else { return }
                state.entries[entry.commandId] = .done(report)
                state.intents[entry.commandId] = nil
            case .intent:
                guard let command = entry.command else { return }
                if case .done = state.entries[entry.commandId] { return }
                state.entries[entry.commandId] = .intent(command, attempt: entry.attempt)
                state.intents[entry.commandId] = InDoubt(command: command, executor: entry.executor, recordedAt: entry.recordedAt)
            }
        }
    }
}
