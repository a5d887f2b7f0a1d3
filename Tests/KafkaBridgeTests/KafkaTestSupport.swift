import EmbeddedKafka
import Foundation
import KafkaBridge
import Logging
import ServiceLifecycle
import TestSupport
import Testing

/// A logger for tests: warnings and above to stderr, so a failing run explains itself.
let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
}()

/// An in-process embedded broker (librdkafka's mock cluster, spoken to over TCP on 127.0.0.1) with test topics.
func makeBroker(_ topics: [String: Int]) throws -> EmbeddedKafkaBroker {
    try EmbeddedKafkaBroker(
        topics: topics.map { EmbeddedKafkaBroker.Topic(name: $0.key, partitions: $0.value) }, logger: testLogger)
}

func producerConfiguration(_ broker: EmbeddedKafkaBroker, linger: Duration = .zero) -> KafkaProducerConfiguration {
    var configuration = KafkaProducerConfiguration(bootstrapServers: [broker.bootstrapServers])
    configuration.linger = linger
    return configuration
}

func consumerConfiguration(_ broker: EmbeddedKafkaBroker, group: String) -> KafkaConsumerConfiguration {
    var configuration = KafkaConsumerConfiguration(groupID: group, bootstrapServers: [broker.bootstrapServers])
    // The mock broker holds every rebalance for session.timeout.ms − 1 s (KAFKA-DEV.md): keep it short.
    configuration.sessionTimeout = .milliseconds(3000)
    configuration.fetchWaitMax = .milliseconds(5)
    configuration.autoCommitInterval = .milliseconds(200)
    return configuration
}

/// Runs `services` while `body` runs, then shuts them down gracefully and waits for them.
func withServices<R: Sendable>(_ services: [any Service], _ body: () async throws -> R) async throws -> R {
    try await withRunningServices(services, logger: testLogger, body)
}

/// Waits until `condition` holds, recording an issue and failing the test after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(90), _ condition: () async throws -> Bool
) async throws {
    guard try await TestSupport.eventually(timeout: timeout, condition) else {
        Issue.record("timed out after \(timeout) waiting for: \(what)")
        throw CancellationError()
    }
}

/// Collects what a consumer delivers, marking messages processed according to `shouldMark`.
actor Inbox {
    private(set) var messages: [KafkaConsumerMessage] = []
    private(set) var assigned: Set<KafkaTopicPartition> = []
    private(set) var rebalances: [KafkaConsumerEvent] = []

    func record(_ event: KafkaConsumerEvent) {
        switch event {
        case .message(let message): self.messages.append(message)
        case .partitionsAssigned(let partitions):
            self.rebalances.append(event)
            self.assigned.formUnion(partitions)
        case .partitionsRevoked(let partitions):
            self.rebalances.append(event)
            self.assigned.subtract(partitions)
        }
    }

    var values: [String] { self.messages.map { String(decoding: $0.value, as: UTF8.self) } }
    var count: Int { self.messages.count }
}

/// A consumer service paired with a pump that feeds its events into an ``Inbox``.
struct PumpedConsumer: Service {
    let consumer: KafkaConsumer
    let inbox = Inbox()
    let shouldMark: @Sendable (KafkaConsumerMessage) -> Bool

    init(
        _ broker: EmbeddedKafkaBroker, group: String, topics: [String],
        configure: (inout KafkaConsumerConfiguration) -> Void = { _ in },
        shouldMark: @escaping @Sendable (KafkaConsumerMessage) -> Bool = { _ in true }
    ) throws {
        var configuration = consumerConfiguration(broker, group: group)
        configure(&configuration)
        self.consumer = try KafkaConsumer(configuration: configuration, topics: topics, logger: testLogger)
        self.shouldMark = shouldMark
    }

    /// Consumes until the consumer's event stream ends (graceful shutdown of the consumer).
    func run() async throws {
        for try await event in self.consumer.events.cancelOnGracefulShutdown() {
            if case .message(let message) = event, self.shouldMark(message) {
                try? self.consumer.markProcessed(message)
            }
            await self.inbox.record(event)
        }
    }

    /// The consumer first, then the pump: shutdown runs in reverse, so the pump stops before offsets are committed.
    var services: [any Service] { [self.consumer, self] }
}

func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }
