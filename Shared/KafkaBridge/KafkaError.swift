import Crdkafka

/// The one error type of the Kafka layer.
///
/// Match on ``code``; ``isRetriable`` says whether the same operation may succeed if tried again
/// (broker unreachable, queue full, timeouts), ``isFatal`` that the client instance is unusable and
/// must be recreated (librdkafka's fatal errors, such as a fenced idempotent producer).
/// ``description`` is safe to log: it never contains payloads, keys or configuration values.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as an opaque code: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case brokerUnreachable, messageTimedOut, queueFull, messageTooLarge, unknownTopicOrPartition
            case authentication, invalidConfiguration, invalidArgument, notRunning, shutdown, purged
            case timedOut, transaction, fenced, fatal, partitionNotAssigned, other
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No broker could be reached (connection refused, name resolution, all brokers down).
        public static let brokerUnreachable = Code(.brokerUnreachable)
        /// A message was not acknowledged within `message.timeout.ms`; it may or may not be in the log.
        public static let messageTimedOut = Code(.messageTimedOut)
        /// The producer's local queue is full; retry after delivery reports drain it.
        public static let queueFull = Code(.queueFull)
        /// The message exceeds `message.max.bytes`.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// The topic or partition does not exist.
        public static let unknownTopicOrPartition = Code(.unknownTopicOrPartition)
        /// SASL/TLS authentication or ACL authorization failed.
        public static let authentication = Code(.authentication)
        /// A configuration property was unknown or had an invalid value.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// An argument passed to the client was invalid.
        public static let invalidArgument = Code(.invalidArgument)
        /// The client is not running (run() has returned or shutdown has begun).
        public static let notRunning = Code(.notRunning)
        /// The client is shutting down; the operation was not started.
        public static let shutdown = Code(.shutdown)
        /// The message was purged from the local queue before it was sent (shutdown without flush).
        public static let purged = Code(.purged)
        /// A blocking operation timed out.
        public static let timedOut = Code(.timedOut)
        /// A transactional operation failed; see ``KafkaError/requiresAbort``.
        public static let transaction = Code(.transaction)
        /// Another producer with the same transactional/producer identity took over.
        public static let fenced = Code(.fenced)
        /// The client instance raised a fatal error and must be recreated.
        public static let fatal = Code(.fatal)
        /// An offset was stored for a partition this consumer no longer owns (after a rebalance).
        public static let partitionNotAssigned = Code(.partitionNotAssigned)
        /// Any other librdkafka error; see ``KafkaError/rdKafkaName``.
        public static let other = Code(.other)

        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable reason, safe to log.
    public var reason: String
    /// librdkafka's numeric error code (`rd_kafka_resp_err_t`), when the error came from librdkafka.
    public var rdKafkaCode: Int32?
    /// librdkafka's symbolic error name (for example `_MSG_TIMED_OUT`).
    public var rdKafkaName: String?
    /// Whether the operation may succeed if retried.
    public var isRetriable: Bool
    /// Whether the client instance is unusable and must be recreated.
    public var isFatal: Bool
    /// For transactional operations: the transaction must be aborted before going on.
    public var requiresAbort: Bool
    /// Where the error was raised (`file:line`).
    public var location: String

    /// Creates an error raised by the Kafka layer itself.
    public init(
        _ code: Code, reason: String, isRetriable: Bool = false, isFatal: Bool = false,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.rdKafkaCode = nil
        self.rdKafkaName = nil
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.requiresAbort = false
        self.location = "\(file):\(line)"
    }

    public var description: String {
        var text = "KafkaError.\(self.code)"
        if let name = self.rdKafkaName { text += " [\(name)]" }
        text += ": \(self.reason)"
        if self.isFatal { text += " (fatal)" } else if self.isRetriable { text += " (retriable)" }
        return text
    }
}

// MARK: - Mapping from librdkafka

extension KafkaError {
    /// Maps a librdkafka response code into a ``KafkaError``.
    static func rdKafka(
        _ err: rd_kafka_resp_err_t, reason: String? = nil, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        let (code, retriable) = Self.classify(err)
        var error = KafkaError(
            code, reason: reason ?? String(cString: rd_kafka_err2str(err)),
            isRetriable: retriable, isFatal: err == RD_KAFKA_RESP_ERR__FATAL, file: file, line: line)
        error.rdKafkaCode = err.rawValue
        error.rdKafkaName = String(cString: rd_kafka_err2name(err))
        return error
    }

    /// Maps a raw librdkafka response code (as kept in a ``KafkaDeliveryReport``).
    static func rdKafka(code: Int32) -> KafkaError {
        self.rdKafka(rd_kafka_resp_err_t(rawValue: code))
    }

    /// Maps and destroys a librdkafka `rd_kafka_error_t` (used by the transactional API).
    static func consuming(_ handle: OpaquePointer, file: String = #fileID, line: UInt = #line) -> KafkaError {
        defer { rd_kafka_error_destroy(handle) }
        let err = rd_kafka_error_code(handle)
        var error = KafkaError.rdKafka(err, reason: String(cString: rd_kafka_error_string(handle)), file: file, line: line)
        error.isRetriable = rd_kafka_error_is_retriable(handle) != 0
        error.isFatal = rd_kafka_error_is_fatal(handle) != 0
        error.requiresAbort = rd_kafka_error_txn_requires_abort(handle) != 0
        if error.requiresAbort, error.code == .other { error.code = .transaction }
        return error
    }

    private static func classify(_ err: rd_kafka_resp_err_t) -> (Code, retriable: Bool) {
        switch err {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
            return (.brokerUnreachable, true)
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
            return (.messageTimedOut, true)
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
            return (.queueFull, true)
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
            return (.timedOut, true)
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
            return (.other, true)
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
            return (.messageTooLarge, false)
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return (.unknownTopicOrPartition, true)
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            return (.unknownTopicOrPartition, false)
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
            return (.authentication, false)
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
            return (.purged, true)
        case RD_KAFKA_RESP_ERR__FENCED, RD_KAFKA_RESP_ERR_PRODUCER_FENCED, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
            return (.fenced, false)
        case RD_KAFKA_RESP_ERR__FATAL:
            return (.fatal, false)
        case RD_KAFKA_RESP_ERR__INVALID_ARG:
            return (.invalidArgument, false)
        default:
            return (.other, false)
        }
    }
}
