import Crdkafka
import Dispatch
public import Logging
public import ServiceLifecycle

/// A transactional producer (init / begin / send offsets / commit / abort) for real Apache Kafka.
///
/// - Important: the embedded broker (librdkafka's mock cluster) accepts these calls but does **not** enforce them:
///   read-committed consumers still see aborted records, `sendOffsets` does not store the group's offsets, and a
///   second producer with the same transactional id does not fence the first (KAFKA-DEV.md). Nothing in Tradewire
///   may depend on transactions for correctness; they are an extra on real Kafka.
public final class KafkaTransactionalProducer: Service, Sendable {
    /// The underlying producer: use its ``KafkaProducer/send(_:)`` and ``KafkaProducer/enqueue(_:)`` between
    /// ``beginTransaction()`` and ``commitTransaction(timeout:)``.
    public let producer: KafkaProducer
    /// Blocking transactional calls run here, one at a time, never on the cooperative pool.
    private let calls = DispatchQueue(label: "tradewire.kafka.transactions")

    /// Creates a transactional producer with `transactional.id` = `transactionalID` (idempotence is implied).
    public init(configuration: KafkaProducerConfiguration, transactionalID: String, logger: Logger) throws {
        var configuration = configuration
        configuration.isIdempotent = true
        configuration.properties["transactional.id"] = transactionalID
        self.producer = try KafkaProducer(configuration: configuration, logger: logger)
    }

    /// Registers the transactional id with the coordinator and fences older instances (on real Kafka).
    public func initTransactions(timeout: Duration = .seconds(30)) async throws {
        let milliseconds = Int32(timeout.rdKafkaMilliseconds)
        try await self.call { rd_kafka_init_transactions($0, milliseconds) }
    }

    /// Starts a transaction; every message produced until commit or abort belongs to it.
    public func beginTransaction() throws {
        if let error = rd_kafka_begin_transaction(self.producer.client.handle) { throw KafkaError.consuming(error) }
    }

    /// Adds a consumer's positions to the transaction, so they commit atomically with its messages (real Kafka only).
    /// - Parameter offsets: for each partition, the offset of the next message to read (last processed + 1).
    public func sendOffsets(
        _ offsets: [KafkaTopicPartition: Int64], consumer: KafkaConsumer, timeout: Duration = .seconds(30)
    ) async throws {
        let list = Array(offsets.keys).makeRDKafkaList()
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let key = KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
            list.pointee.elems[index].offset = offsets[key] ?? Int64(RD_KAFKA_OFFSET_INVALID)
        }
        guard let metadata = rd_kafka_consumer_group_metadata(consumer.client.handle) else {
            rd_kafka_topic_partition_list_destroy(list)
            throw KafkaError(.invalidArgument, reason: "consumer has no group metadata")
        }
        let milliseconds = Int32(timeout.rdKafkaMilliseconds)
        let box = UnsafeSendable((list, metadata))
        defer {
            rd_kafka_topic_partition_list_destroy(box.value.0)
            rd_kafka_consumer_group_metadata_destroy(box.value.1)
        }
        try await self.call { rd_kafka_send_offsets_to_transaction($0, box.value.0, box.value.1, milliseconds) }
    }

    /// Commits the transaction (flushing its messages first).
    public func commitTransaction(timeout: Duration = .seconds(30)) async throws {
        let milliseconds = Int32(timeout.rdKafkaMilliseconds)
        try await self.call { rd_kafka_commit_transaction($0, milliseconds) }
    }

    /// Aborts the transaction; its messages are marked aborted (hidden from read-committed consumers on real Kafka).
    public func abortTransaction(timeout: Duration = .seconds(30)) async throws {
        let milliseconds = Int32(timeout.rdKafkaMilliseconds)
        try await self.call { rd_kafka_abort_transaction($0, milliseconds) }
    }

    /// Runs the underlying producer (see ``KafkaProducer/run()``).
    public func run() async throws {
        try await self.producer.run()
    }

    private func call(_ body: @escaping @Sendable (OpaquePointer) -> OpaquePointer?) async throws {
        let client = self.producer.client
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.calls.async {
                if let error = body(client.handle) {
                    continuation.resume(throwing: KafkaError.consuming(error))
                } else {
                    continuation.resume()
                }
            }
        }
    }
}

/// Carries C pointers into a `@Sendable` closure that runs while the owner awaits it.
/// Safe because the owning scope keeps the pointers alive and does not touch them until the closure finished.
private struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
