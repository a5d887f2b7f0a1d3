import Crdkafka
import Foundation
import Logging
import ServiceLifecycle

/// Owns one librdkafka handle (`rd_kafka_t`) and the queue its events arrive on.
///
/// `@unchecked Sendable` is safe: librdkafka documents `rd_kafka_t` and `rd_kafka_queue_t` as thread-safe for every
/// call made through this wrapper (produce, poll, offsets_store, assign, pause, commit); the pointers are immutable
/// and destroyed only in `deinit`, when no other reference can exist.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    /// The queue every event of this client is polled from (main queue; the consumer queue for consumers).
    let eventQueue: OpaquePointer
    let kind: Kind
    let logger: Logger

    private init(handle: OpaquePointer, eventQueue: OpaquePointer, kind: Kind, logger: Logger) {
        self.handle = handle
        self.eventQueue = eventQueue
        self.kind = kind
        self.logger = logger
    }

    deinit {
        rd_kafka_queue_destroy(self.eventQueue)
        rd_kafka_destroy(self.handle)
    }

    /// Creates a client. Every event type in `events` is delivered to ``eventQueue``, including librdkafka's logs.
    static func make(kind: Kind, properties: [(String, String)], events: Int32, logger: Logger) throws(KafkaError)
        -> RDKafkaClient
    {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.invalidConfiguration, reason: "rd_kafka_conf_new failed")
        }
        var ownsConf = true
        defer { if ownsConf { rd_kafka_conf_destroy(conf) } }

        for (key, value) in properties + [("log.queue", "true")] {
            try Self.set(conf, key, value)
        }
        rd_kafka_conf_set_events(conf, events | RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR)

        var errstr = [CChar](repeating: 0, count: 512)
        let type: rd_kafka_type_t = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            throw KafkaError(.invalidConfiguration, reason: "rd_kafka_new failed: \(String(cBuffer: errstr))")
        }
        ownsConf = false  // rd_kafka_new took ownership of conf.

        // Route librdkafka's own logs through the event queue (into swift-log) instead of stderr.
        rd_kafka_set_log_queue(handle, nil)
        let queue: OpaquePointer
        if kind == .consumer {
            rd_kafka_poll_set_consumer(handle)
            queue = rd_kafka_queue_get_consumer(handle)
        } else {
            queue = rd_kafka_queue_get_main(handle)
        }
        return RDKafkaClient(handle: handle, eventQueue: queue, kind: kind, logger: logger)
    }

    private static func set(_ conf: OpaquePointer, _ key: String, _ value: String) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
        guard result == RD_KAFKA_CONF_OK else {
            // librdkafka's message may quote the value; keep it only where the property cannot be a secret.
            let detail = Self.isSensitive(key) ? "value rejected" : String(cBuffer: errstr)
            throw KafkaError(.invalidConfiguration, reason: "property \(key): \(detail)")
        }
    }

    /// Properties whose values must never appear in logs or errors.
    static func isSensitive(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "key", "token", "jaas"].contains { lowered.contains($0) }
    }

    // MARK: - Events shared by producers and consumers

    /// Forwards a log event to swift-log. librdkafka's syslog levels are lowered one step: the library logs at
    /// `info` or below (style.md §3.5); fatal client errors are reported separately.
    func log(event: OpaquePointer) {
        var facility: UnsafePointer<CChar>?
        var message: UnsafePointer<CChar>?
        var level: Int32 = 0
        guard rd_kafka_event_log(event, &facility, &message, &level) == 0, let message else { return }
        let swiftLevel: Logger.Level = switch level {
        case ...4: .info
        case 5, 6: .debug
        default: .trace
        }
        self.logger.log(
            level: swiftLevel, "\(String(cString: message))",
            metadata: ["kafka.log.facility": "\(facility.map { String(cString: $0) } ?? "")",
                       "kafka.log.level": "\(level)"])
    }

    /// Reads an error event. Returns the error when it is fatal (the client must be recreated).
    func handleErrorEvent(_ event: OpaquePointer) -> KafkaError? {
        let err = rd_kafka_event_error(event)
        let reason = rd_kafka_event_error_string(event).map { String(cString: $0) }
        if rd_kafka_event_error_is_fatal(event) != 0 {
            var buffer = [CChar](repeating: 0, count: 512)
            let underlying = rd_kafka_fatal_error(self.handle, &buffer, buffer.count)
            var error = KafkaError.rdKafka(underlying, reason: String(cBuffer: buffer))
            error.isFatal = true
            error.isRetriable = false
            self.logger.error("Kafka client raised a fatal error", metadata: ["kafka.error": "\(error)"])
            return error
        }
        let error = KafkaError.rdKafka(err, reason: reason)
        self.logger.info("Kafka client error", metadata: ["kafka.error": "\(error)"])
        return nil
    }
}

/// Runs `body` on a dedicated thread (librdkafka's blocking polls never run on the cooperative pool) and returns
/// when it has finished. `stop` is called with `true` on graceful shutdown and `false` on cancellation; it must
/// make `body` return.
func runOnDedicatedThread(
    named name: String, _ body: @escaping @Sendable () -> Void, stop: @escaping @Sendable (_ graceful: Bool) -> Void
) async {
    await withTaskCancellationHandler {
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    body()
                    finished.resume()
                }
                thread.name = name
                thread.start()
            }
        } onGracefulShutdown: {
            stop(true)
        }
    } onCancel: {
        stop(false)
    }
}

/// A partition of a topic.
public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    /// Topic name.
    public var topic: String
    /// Partition number.
    public var partition: Int32

    /// Creates a topic partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(self.topic)[\(self.partition)]" }
}

extension Array where Element == KafkaTopicPartition {
    init(rdKafkaList list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        guard let list else {
            self = []
            return
        }
        let count = Int(list.pointee.cnt)
        self = (0..<count).map { index in
            let element = list.pointee.elems[index]
            return KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }

    /// A new librdkafka list (the caller destroys it).
    func makeRDKafkaList() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(self.count))!
        for item in self { rd_kafka_topic_partition_list_add(list, item.topic, item.partition) }
        return list
    }
}

extension String {
    /// Decodes a NUL-terminated C string held in a fixed buffer.
    init(cBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
