import Crdkafka
public import Logging
import Messages

/// A Kafka broker for development and tests: librdkafka's mock cluster, a real Kafka-protocol server on
/// 127.0.0.1 that keeps everything **in memory**.
///
/// It creates every topic it is given (by default the whole ``TopicCatalogue``) with its partition count, because
/// the mock cannot create topics through the Admin API. It is laxer than Apache Kafka (no enforced transactions or
/// idempotence, ~5 MiB retention per partition, no compaction; see KAFKA-DEV.md): production uses Apache Kafka.
///
/// The mock listens on a port of its own choosing (``bootstrapServers``); put a ``KafkaPortForwarder`` in front of it
/// for a fixed address. Stopping the broker (deinit) loses all data.
public final class EmbeddedKafkaBroker: Sendable {
    /// A topic to create at start.
    public struct Topic: Sendable, Hashable {
        /// Topic name.
        public var name: String
        /// Partition count.
        public var partitions: Int

        /// Creates a topic description.
        public init(name: String, partitions: Int) {
            self.name = name
            self.partitions = partitions
        }
    }

    /// The whole topic catalogue of Tradewire.
    public static var catalogue: [Topic] { TopicCatalogue.all.map { Topic(name: $0.name, partitions: $0.partitions) } }

    private let cluster: MockCluster
    /// The mock cluster's own bootstrap list, `127.0.0.1:<random port>[,…]`.
    public let bootstrapServers: String
    /// The topics created at start.
    public let topics: [Topic]

    /// Starts a mock cluster of `brokers` brokers and creates `topics`.
    /// - Throws: ``EmbeddedKafkaError`` when the cluster cannot start or a topic cannot be created.
    public init(brokers: Int = 1, topics: [Topic] = EmbeddedKafkaBroker.catalogue, logger: Logger) throws {
        guard (1...16).contains(brokers) else { throw EmbeddedKafkaError("brokers must be in 1...16, got \(brokers)") }
        self.cluster = try MockCluster(brokers: brokers)
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(self.cluster.cluster))
        for topic in topics {
            guard topic.partitions > 0 else { throw EmbeddedKafkaError("topic \(topic.name): partitions must be > 0") }
            let err = rd_kafka_mock_topic_create(
                self.cluster.cluster, topic.name, Int32(topic.partitions), Int32(min(brokers, 3)))
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw EmbeddedKafkaError("topic \(topic.name): \(String(cString: rd_kafka_err2str(err)))")
            }
        }
        self.topics = topics
        logger.info(
            "Embedded Kafka broker started",
            metadata: ["kafka.bootstrap": "\(self.bootstrapServers)", "kafka.topics": "\(topics.count)"])
    }

    /// The host and port of the first mock broker (the target for a ``KafkaPortForwarder``).
    public var firstBrokerAddress: (host: String, port: Int) {
        let first = self.bootstrapServers.split(separator: ",").first.map(String.init) ?? self.bootstrapServers
        let parts = first.split(separator: ":")
        return (String(parts.dropLast().joined(separator: ":")), Int(parts.last ?? "") ?? 0)
    }
}

/// Why the embedded broker could not start.
public struct EmbeddedKafkaError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "EmbeddedKafkaError: \(self.reason)" }
}

/// Owns the mock cluster and the librdkafka handle it lives in.
///
/// `@unchecked Sendable` is safe: the pointers are immutable, the mock cluster runs on its own thread, and both
/// are destroyed only in `deinit`.
private final class MockCluster: @unchecked Sendable {
    let handle: OpaquePointer
    let cluster: OpaquePointer

    init(brokers: Int) throws {
        guard let conf = rd_kafka_conf_new() else { throw EmbeddedKafkaError("rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 256)
        // The handle only hosts the mock cluster; silence its own (unused) connection attempts.
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errstr, errstr.count)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw EmbeddedKafkaError("rd_kafka_new failed")
        }
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw EmbeddedKafkaError("rd_kafka_mock_cluster_new failed")
        }
        self.handle = handle
        self.cluster = cluster
    }

    deinit {
        rd_kafka_mock_cluster_destroy(self.cluster)
        rd_kafka_destroy(self.handle)
    }
}
