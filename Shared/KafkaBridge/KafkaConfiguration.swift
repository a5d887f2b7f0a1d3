public import Foundation

/// Settings of a ``KafkaProducer``.
///
/// ## Configuration keys (relative; a service scopes them, e.g. `orderExecutor.kafka.…`)
/// - `bootstrapServers` (string array, default from `KAFKA_BROKERS` or `["127.0.0.1:9092"]`)
/// - `clientID` (string, default `"tradewire"`)
/// - `isIdempotent` (bool, default `true`: `enable.idempotence`, `acks=all`)
/// - `linger` (duration, default 5 ms: `linger.ms`; use 0 on latency-critical paths)
/// - `messageTimeout` (duration, default 30 s: `message.timeout.ms`, how long a message may wait for acknowledgement)
/// - `shutdownFlushTimeout` (duration, default 10 s: how long graceful shutdown waits for outstanding messages)
/// - `properties` (string map, default empty: any librdkafka property, e.g. SASL, TLS, tuning; applied last)
public struct KafkaProducerConfiguration: Sendable, Hashable {
    /// Brokers to bootstrap from, `host:port`.
    public var bootstrapServers: [String]
    /// `client.id`, shown in broker logs and metrics.
    public var clientID: String
    /// Idempotent producer (`enable.idempotence=true`). On by default.
    public var isIdempotent: Bool
    /// `linger.ms`: how long to wait to fill a batch.
    public var linger: Duration
    /// `message.timeout.ms`: how long a message may wait for acknowledgement before it fails.
    public var messageTimeout: Duration
    /// How long graceful shutdown waits for outstanding messages before failing them.
    public var shutdownFlushTimeout: Duration
    /// Any further librdkafka property (applied last, so it overrides the fields above).
    /// - Important: values may be secrets (`sasl.password`); they are never logged.
    public var properties: [String: String]

    /// Defaults that work against the embedded broker (or `KAFKA_BROKERS`).
    public init(bootstrapServers: [String] = KafkaBootstrap.fromEnvironment()) {
        self.bootstrapServers = bootstrapServers
        self.clientID = "tradewire"
        self.isIdempotent = true
        self.linger = .milliseconds(5)
        self.messageTimeout = .seconds(30)
        self.shutdownFlushTimeout = .seconds(10)
        self.properties = [:]
    }

    var rdKafkaProperties: [(String, String)] {
        var result: [(String, String)] = [
            ("bootstrap.servers", self.bootstrapServers.joined(separator: ",")),
            ("client.id", self.clientID),
            ("enable.idempotence", self.isIdempotent ? "true" : "false"),
            ("linger.ms", String(self.linger.rdKafkaMilliseconds)),
            ("message.timeout.ms", String(self.messageTimeout.rdKafkaMilliseconds)),
        ]
        if self.isIdempotent { result.append(("acks", "all")) }
        result += self.properties.sorted { $0.key < $1.key }
        return result
    }
}

/// Settings of a ``KafkaConsumer``.
///
/// ## Configuration keys (relative)
/// - `bootstrapServers` (string array, default from `KAFKA_BROKERS` or `["127.0.0.1:9092"]`)
/// - `groupID` (string, required: the consumer group)
/// - `clientID` (string, default `"tradewire"`)
/// - `sessionTimeout` (duration, default 10 s: `session.timeout.ms`; the mock broker's rebalance waits this minus 1 s)
/// - `autoOffsetReset` (`earliest` | `latest`, default `earliest`: where a group with no committed offset starts)
/// - `autoCommitInterval` (duration, default 1 s: how often *stored* offsets are committed)
/// - `fetchWaitMax` (duration, default 10 ms: `fetch.wait.max.ms`; on the mock broker this bounds consume latency
///   and costs CPU when low — see KAFKA-DEV.md)
/// - `maxBufferedEvents` (int, default 1000: events held for the caller before the poll thread stops fetching)
/// - `properties` (string map: any librdkafka property, applied last)
public struct KafkaConsumerConfiguration: Sendable, Hashable {
    /// Where a group with no committed offset starts reading.
    public enum OffsetReset: String, Sendable, Hashable {
        case earliest, latest
    }

    /// Brokers to bootstrap from, `host:port`.
    public var bootstrapServers: [String]
    /// The consumer group.
    public var groupID: String
    /// `client.id`.
    public var clientID: String
    /// `session.timeout.ms`.
    public var sessionTimeout: Duration
    /// `auto.offset.reset`.
    public var autoOffsetReset: OffsetReset
    /// `auto.commit.interval.ms`: stored offsets are committed this often (and on revoke and shutdown).
    public var autoCommitInterval: Duration
    /// `fetch.wait.max.ms`.
    public var fetchWaitMax: Duration
    /// Events buffered for the caller before fetching pauses (back-pressure).
    public var maxBufferedEvents: Int
    /// Any further librdkafka property (applied last).
    /// - Important: values may be secrets; they are never logged.
    public var properties: [String: String]

    /// Defaults for development: short session timeout so a lost member is replaced within seconds.
    public init(groupID: String, bootstrapServers: [String] = KafkaBootstrap.fromEnvironment()) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.clientID = "tradewire"
        self.sessionTimeout = .seconds(10)
        self.autoOffsetReset = .earliest
        self.autoCommitInterval = .seconds(1)
        self.fetchWaitMax = .milliseconds(10)
        self.maxBufferedEvents = 1000
        self.properties = [:]
    }

    var rdKafkaProperties: [(String, String)] {
        let result: [(String, String)] = [
            ("bootstrap.servers", self.bootstrapServers.joined(separator: ",")),
            ("group.id", self.groupID),
            ("client.id", self.clientID),
            ("session.timeout.ms", String(self.sessionTimeout.rdKafkaMilliseconds)),
            // The session timeout must not be below the heartbeat interval (default 3 s).
            ("heartbeat.interval.ms", String(max(100, self.sessionTimeout.rdKafkaMilliseconds / 3))),
            ("auto.offset.reset", self.autoOffsetReset.rawValue),
            // At-least-once: offsets are stored only when the caller marks a message processed,
            // and only stored offsets are ever committed.
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", "true"),
            ("auto.commit.interval.ms", String(self.autoCommitInterval.rdKafkaMilliseconds)),
            ("fetch.wait.max.ms", String(self.fetchWaitMax.rdKafkaMilliseconds)),
            ("enable.partition.eof", "false"),
        ]
        return result + self.properties.sorted { $0.key < $1.key }
    }
}

/// Where Kafka is: the `KAFKA_BROKERS` environment variable (comma-separated `host:port`), or the embedded broker.
public enum KafkaBootstrap {
    /// The embedded broker's fixed address.
    public static let embedded = ["127.0.0.1:9092"]

    /// Reads `KAFKA_BROKERS` (comma-separated), falling back to ``embedded``.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        guard let value = environment["KAFKA_BROKERS"] else { return Self.embedded }
        let servers = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return servers.isEmpty ? Self.embedded : servers
    }
}

extension Duration {
    /// Whole milliseconds, clamped to librdkafka's `int` properties.
    var rdKafkaMilliseconds: Int {
        let (seconds, attoseconds) = self.components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(max(0, min(millis, Int64(Int32.max))))
    }
}
