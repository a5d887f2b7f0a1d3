import Crdkafka
import Dispatch
import Foundation
public import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// Something a ``KafkaConsumer`` reports, in the order it happened.
public enum KafkaConsumerEvent: Sendable, Hashable {
    /// A record to process. Call ``KafkaConsumer/markProcessed(_:)`` once its effect is durable.
    case message(KafkaConsumerMessage)
    /// The group gave this consumer these partitions. Messages of them follow this event.
    case partitionsAssigned([KafkaTopicPartition])
    /// These partitions were taken away. Offsets stored before this event have been committed; messages of these
    /// partitions still in hand will be delivered again to the new owner and can no longer be marked processed.
    case partitionsRevoked([KafkaTopicPartition])
}

/// A Kafka consumer-group member over librdkafka, run as a swift-service-lifecycle `Service`.
///
/// At-least-once: a message's offset is stored only when the caller calls ``markProcessed(_:)``, and only stored
/// offsets are committed (every ``KafkaConsumerConfiguration/autoCommitInterval``, before partitions are revoked,
/// and on shutdown). A message that was not marked processed is delivered again after a restart or rebalance.
///
/// A dedicated thread blocks in `rd_kafka_queue_poll` (woken by librdkafka the moment a record arrives) and hands
/// events to ``events`` with back-pressure: when ``KafkaConsumerConfiguration/maxBufferedEvents`` are waiting,
/// it stops fetching until the caller catches up.
///
/// - Important: ``run()`` must be running. Iterate either ``events`` or ``messages``, from one task, once.
public final class KafkaConsumer: Service, Sendable {
    let client: RDKafkaClient
    let configuration: KafkaConsumerConfiguration
    let demand: ConsumerDemand
    let source: EventSource
    private let sequence: NIOThrowingAsyncSequenceProducer<
        KafkaConsumerEvent, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ConsumerDemand
    >
    private let state = Mutex(ConsumerState())

    typealias EventSource = NIOThrowingAsyncSequenceProducer<
        KafkaConsumerEvent, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ConsumerDemand
    >.Source

    /// Creates a consumer and subscribes it to `topics`; it joins the group once ``run()`` polls.
    /// - Throws: ``KafkaError`` for an invalid configuration or subscription.
    public init(configuration: KafkaConsumerConfiguration, topics: [String], logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "kafka.client.id"] = "\(configuration.clientID)"
        logger[metadataKey: "kafka.client.type"] = "consumer"
        logger[metadataKey: "kafka.group.id"] = "\(configuration.groupID)"
        guard !topics.isEmpty else { throw KafkaError(.invalidArgument, reason: "subscribe to at least one topic") }
        guard configuration.maxBufferedEvents >= 2 else {
            throw KafkaError(.invalidConfiguration, reason: "maxBufferedEvents must be at least 2")
        }
        self.configuration = configuration
        self.client = try RDKafkaClient.make(
            kind: .consumer, properties: configuration.rdKafkaProperties,
            events: RD_KAFKA_EVENT_FETCH | RD_KAFKA_EVENT_REBALANCE | RD_KAFKA_EVENT_OFFSET_COMMIT, logger: logger)
        self.demand = ConsumerDemand()
        let made = NIOThrowingAsyncSequenceProducer.makeSequence(
            elementType: KafkaConsumerEvent.self,
            failureType: (any Error).self,
            backPressureStrategy: NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(
                lowWatermark: configuration.maxBufferedEvents / 2, highWatermark: configuration.maxBufferedEvents),
            finishOnDeinit: false,
            delegate: self.demand)
        (self.source, self.sequence) = (made.source, made.sequence)

        let list = topics.map { KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) }.makeRDKafkaList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(self.client.handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err) }
    }

    /// Messages and rebalances, in order. Ends on graceful shutdown; throws if the client raised a fatal error.
    public var events: KafkaConsumerEvents { KafkaConsumerEvents(base: self.sequence) }

    /// Only the messages of ``events`` (rebalances are skipped). Use this or ``events``, not both.
    public var messages: KafkaConsumerMessages { KafkaConsumerMessages(base: self.sequence) }

    // MARK: - Offsets

    /// Marks a message processed: its offset (+1) is stored and committed with the next commit.
    /// Offsets of a partition only move forward, so mark messages in order within a partition.
    /// - Throws: ``KafkaError`` with code `.partitionNotAssigned` if the partition was revoked meanwhile
    ///   (the message will be delivered again to its new owner).
    public func markProcessed(_ message: KafkaConsumerMessage) throws {
        let list = [KafkaTopicPartition(topic: message.topic, partition: message.partition)].makeRDKafkaList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        list.pointee.elems[0].offset = message.offset + 1
        let err = rd_kafka_offsets_store(self.client.handle, list)
        let partitionErr = list.pointee.elems[0].err
        if err == RD_KAFKA_RESP_ERR__STATE || partitionErr == RD_KAFKA_RESP_ERR__STATE {
            var error = KafkaError.rdKafka(RD_KAFKA_RESP_ERR__STATE, reason: "\(message.topic)[\(message.partition)] is not assigned to this consumer")
            error.code = .partitionNotAssigned
            throw error
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdKafka(err) }
        if partitionErr != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdKafka(partitionErr) }
    }

    /// Commits every stored offset now and waits for the broker's answer.
    public func commit() async throws {
        let handle = self.client
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                let err = rd_kafka_commit(handle.handle, nil, 0)
                if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET {
                    continuation.resume()
                } else {
                    continuation.resume(throwing: KafkaError.rdKafka(err))
                }
            }
        }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(self.client.handle, &list)
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err) }
        return [KafkaTopicPartition](rdKafkaList: list)
    }

    /// Stops fetching these partitions until ``resume(_:)``. Events already handed over are still delivered.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try self.changePartitions(partitions, rd_kafka_pause_partitions)
    }

    /// Resumes fetching partitions paused by ``pause(_:)``.
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        try self.changePartitions(partitions, rd_kafka_resume_partitions)
    }

    private func changePartitions(
        _ partitions: [KafkaTopicPartition],
        _ call: (OpaquePointer?, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> rd_kafka_resp_err_t
    ) throws {
        let list = partitions.makeRDKafkaList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = call(self.client.handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err) }
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdKafka(list.pointee.elems[index].err)
        }
    }

    // MARK: - Service

    /// Polls until graceful shutdown or cancellation, then commits stored offsets and leaves the group.
    /// - Throws: the fatal ``KafkaError`` if librdkafka raised one; `.notRunning` if called twice.
    public func run() async throws {
        let isFirstRun = self.state.withLock { state -> Bool in
            guard !state.hasStarted else { return false }
            state.hasStarted = true
            return true
        }
        guard isFirstRun else { throw KafkaError(.notRunning, reason: "run() may be called once") }
        await runOnDedicatedThread(named: "kafka-consumer-\(self.configuration.groupID)", { self.pollLoop() }) { _ in
            self.requestStop()
        }
        if let fatal = self.state.withLock({ $0.fatalError }) { throw fatal }
    }

    private func requestStop() {
        self.state.withLock { $0.isStopRequested = true }
        self.demand.wake()
        rd_kafka_queue_yield(self.client.eventQueue)
    }
}

extension KafkaConsumer {
    var stateSnapshot: ConsumerState { self.state.withLock { $0 } }

    func recordFatal(_ error: KafkaError) {
        self.state.withLock { if $0.fatalError == nil { $0.fatalError = error } }
    }
}

struct ConsumerState {
    var hasStarted = false
    var isStopRequested = false
    var fatalError: KafkaError?
}
