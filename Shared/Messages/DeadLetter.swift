public import Foundation

/// A record a service could not process, kept with its raw bytes so nothing is dropped silently.
/// Topic `orders.dlq`, keyed by the original record's key.
///
/// Schema `dead-letter/v1`. Unknown fields are ignored when decoding.
public struct DeadLetter: WireMessage, Hashable {
    /// `"dead-letter"`.
    public static let schemaName = "dead-letter"

    /// Where the record came from.
    public struct Origin: Sendable, Hashable, Codable {
        /// Source topic.
        public var topic: String
        /// Source partition (0 or more).
        public var partition: Int
        /// Source offset (0 or more).
        public var offset: Int64
        /// The record's key bytes (base64 on the wire), if it had one.
        public var key: Data?
        /// The record's timestamp, if it had one.
        public var timestamp: Timestamp?

        /// Creates an origin.
        public init(topic: String, partition: Int, offset: Int64, key: Data? = nil, timestamp: Timestamp? = nil) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
            self.key = key
            self.timestamp = timestamp
        }

        /// Decodes and validates an origin.
        public init(from decoder: any Decoder) throws {
            let reader = try FieldReader(decoder)
            self.init(
                topic: try reader.string("topic"),
                partition: try reader.integer("partition"),
                offset: try reader.integer("offset"),
                key: try reader.base64(ifPresent: "key"),
                timestamp: try reader.timestamp(ifPresent: "timestamp")
            )
            try self.validate(FieldRules(path: reader.path))
        }

        /// Validates and encodes the origin.
        public func encode(to encoder: any Encoder) throws {
            try self.validate(FieldRules(codingPath: encoder.codingPath))
            var writer = FieldWriter(encoder)
            try writer.put(self.topic, "topic")
            try writer.put(self.partition, "partition")
            try writer.put(self.offset, "offset")
            try writer.put(self.key, "key")
            try writer.put(self.timestamp, "timestamp")
        }

        func validate(_ rules: FieldRules) throws(MessageError) {
            try rules.atLeast(self.partition, 0, "partition")
            try rules.atLeast(self.offset, 0, "offset")
        }
    }

    /// Why the record could not be processed.
    public struct Failure: Sendable, Hashable, Codable {
        /// snake_case code, for example `missing_field`.
        public var code: String
        /// Human-readable rule; must not contain secrets.
        public var message: String
        /// RFC 6901 pointer of the offending field, when known.
        public var pointer: String?

        /// Creates a failure.
        public init(code: String, message: String, pointer: String? = nil) {
            self.code = code
            self.message = message
            self.pointer = pointer
        }

        /// The failure for a decoding error: its snake_case code, rule and pointer.
        public init(_ error: MessageError) {
            self.init(code: error.code.snakeCaseName, message: error.rule, pointer: error.pointer)
        }

        /// Decodes and validates a failure.
        public init(from decoder: any Decoder) throws {
            let reader = try FieldReader(decoder)
            self.init(
                code: try reader.string("code"),
                message: try reader.string("message"),
                pointer: try reader.string(ifPresent: "pointer")
            )
            try self.validate(FieldRules(path: reader.path))
        }

        /// Validates and encodes the failure.
        public func encode(to encoder: any Encoder) throws {
            try self.validate(FieldRules(codingPath: encoder.codingPath))
            var writer = FieldWriter(encoder)
            try writer.put(self.code, "code")
            try writer.put(self.message, "message")
            try writer.put(self.pointer, "pointer")
        }

        func validate(_ rules: FieldRules) throws(MessageError) {
            try rules.snakeCaseCode(self.code)
            if let pointer = self.pointer, !JSONPointer.isValid(pointer) {
                throw rules.invalid("pointer", "pointer must be an RFC 6901 JSON pointer (\"\" or starting with \"/\")")
            }
        }
    }

    /// Where the record came from.
    public var original: Origin
    /// The raw record value (base64 on the wire; may be empty).
    public var payload: Data
    /// Why it could not be processed.
    public var error: Failure
    /// The command id, when one could be read from the payload.
    public var commandId: UUID?
    /// The service that dead-lettered the record.
    public var service: String
    /// When it was dead-lettered.
    public var deadLetteredAt: Timestamp

    /// Creates a dead letter. Rules are checked when encoding.
    public init(
        original: Origin,
        payload: Data,
        error: Failure,
        commandId: UUID? = nil,
        service: String,
        deadLetteredAt: Timestamp
    ) {
        self.original = original
        self.payload = payload
        self.error = error
        self.commandId = commandId
        self.service = service
        self.deadLetteredAt = deadLetteredAt
    }

    /// Decodes and validates a dead letter; unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            original: try reader.nested(Origin.self, "original"),
            payload: try reader.base64("payload"),
            error: try reader.nested(Failure.self, "error"),
            commandId: try reader.uuid(ifPresent: "commandId"),
            service: try reader.string("service"),
            deadLetteredAt: try reader.timestamp("deadLetteredAt")
        )
    }

    /// Validates and encodes the dead letter.
    public func encode(to encoder: any Encoder) throws {
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.original, "original")
        try writer.put(self.payload, "payload")
        try writer.put(self.error, "error")
        try writer.put(self.commandId, "commandId")
        try writer.put(self.service, "service")
        try writer.put(self.deadLetteredAt, "deadLetteredAt")
    }
}
