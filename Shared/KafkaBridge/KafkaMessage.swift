public import Foundation

/// A header of a Kafka record. The value may be absent (a null header).
public struct KafkaHeader: Sendable, Hashable {
    /// Header name.
    public var key: String
    /// Header value, or `nil` for a null header.
    public var value: Data?

    /// Creates a header with raw bytes.
    public init(key: String, value: Data?) {
        self.key = key
        self.value = value
    }

    /// Creates a header with a UTF-8 string value.
    public init(key: String, string: String) {
        self.init(key: key, value: Data(string.utf8))
    }
}

/// A record to produce.
public struct KafkaProducerMessage: Sendable, Hashable {
    /// Destination topic.
    public var topic: String
    /// Explicit partition, or `nil` to let librdkafka's partitioner choose by key (same key → same partition).
    public var partition: Int32?
    /// Record key, or `nil`.
    public var key: Data?
    /// Record value.
    public var value: Data
    /// Record headers, in order.
    public var headers: [KafkaHeader]

    /// Creates a record with raw key and value.
    public init(topic: String, partition: Int32? = nil, key: Data?, value: Data, headers: [KafkaHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// Creates a record without a key (the partitioner spreads such records).
    public init(topic: String, partition: Int32? = nil, value: Data, headers: [KafkaHeader] = []) {
        self.init(topic: topic, partition: partition, key: Data?.none, value: value, headers: headers)
    }

    /// Creates a record with a UTF-8 string key.
    public init(topic: String, partition: Int32? = nil, key: String?, value: Data, headers: [KafkaHeader] = []) {
        self.init(topic: topic, partition: partition, key: key.map { Data($0.utf8) }, value: value, headers: headers)
    }
}

/// A record read by a ``KafkaConsumer``.
public struct KafkaConsumerMessage: Sendable, Hashable {
    /// Topic it was read from.
    public var topic: String
    /// Partition it was read from.
    public var partition: Int32
    /// Its offset in the partition.
    public var offset: Int64
    /// Record key, or `nil`.
    public var key: Data?
    /// Record value (empty for a null value).
    public var value: Data
    /// Record headers, in order.
    public var headers: [KafkaHeader]
    /// The record's timestamp, when the broker or producer set one.
    public var timestamp: Date?

    /// Creates a consumed record (used by the consumer and by tests).
    public init(
        topic: String, partition: Int32, offset: Int64, key: Data?, value: Data, headers: [KafkaHeader],
        timestamp: Date?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// The key as UTF-8 text, when it is valid UTF-8.
    public var keyString: String? { self.key.flatMap { String(data: $0, encoding: .utf8) } }

    /// The first header with this name.
    public func header(_ name: String) -> KafkaHeader? { self.headers.first { $0.key == name } }
}

/// Identifies a message given to a ``KafkaProducer``; its delivery report carries the same id.
public struct KafkaMessageID: Sendable, Hashable, CustomStringConvertible {
    /// The raw value, unique within one producer.
    public let rawValue: UInt64
    public var description: String { String(self.rawValue) }
}

/// Where the broker stored an acknowledged message.
public struct KafkaAcknowledgement: Sendable, Hashable {
    /// Topic of the message.
    public var topic: String
    /// Partition it was stored in.
    public var partition: Int32
    /// Its offset in that partition.
    public var offset: Int64
}

/// The outcome of one message given to ``KafkaProducer/enqueue(_:)``.
///
/// Kept to 24 bytes (the error is rebuilt from librdkafka's code on access): a producer sending a million
/// messages a second hands over batches of thousands of these.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The id ``KafkaProducer/enqueue(_:)`` returned.
    public var id: KafkaMessageID
    /// Partition the message went to (or was meant for).
    public var partition: Int32
    private var rdKafkaCode: Int32
    private var rawOffset: Int64

    init(id: KafkaMessageID, partition: Int32, offset: Int64, rdKafkaCode: Int32) {
        self.id = id
        self.partition = partition
        self.rdKafkaCode = rdKafkaCode
        self.rawOffset = offset
    }

    /// Whether the broker acknowledged the message.
    public var isAcknowledged: Bool { self.rdKafkaCode == 0 }

    /// Offset in the partition when acknowledged, else `nil`.
    public var offset: Int64? { self.isAcknowledged && self.rawOffset >= 0 ? self.rawOffset : nil }

    /// Why delivery failed, or `nil` when the broker acknowledged the message.
    public var error: KafkaError? { self.isAcknowledged ? nil : KafkaError.rdKafka(code: self.rdKafkaCode) }
}
