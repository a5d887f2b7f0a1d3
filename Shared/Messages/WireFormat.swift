public import Foundation

/// Decoding and encoding of ``WireMessage``s: JSON with decimal strings, RFC 3339 timestamps, lowercase uuids,
/// and deterministic output (sorted keys, unescaped slashes).
public enum WireFormat {
    /// Decodes and validates one message.
    ///
    /// - Throws: ``MessageError`` only: `malformedJSON` for input that is not JSON, otherwise the code and JSON
    ///   pointer of the first broken rule (schema version, unknown field, missing field, type, value).
    public static func decode<M: WireMessage>(_ type: M.Type, from data: Data) throws(MessageError) -> M {
        try self.decodeValue(M.self, from: data)
    }

    /// Validates and encodes one message as UTF-8 JSON with sorted keys.
    ///
    /// - Throws: ``MessageError`` (`invalidValue`, `missingField`) when the message breaks a schema rule, for example
    ///   a limit order without `limitPrice` or a price with more than 18 fraction digits.
    public static func encode(_ message: some WireMessage) throws(MessageError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(message)
        } catch let error as MessageError {
            throw error
        } catch {
            throw MessageError(.invalidValue, pointer: "", rule: "message cannot be encoded as JSON", underlying: error)
        }
    }

    /// Reads only the `schema` field, for routing a record before decoding it.
    ///
    /// - Returns: The message name and major version of `"<name>/v<major>"`, or `nil` if the input is not a JSON
    ///   object with a well-formed `schema` string.
    public static func peekSchema(_ data: Data) -> (name: String, major: Int)? {
        guard let envelope = try? self.decodeValue(SchemaEnvelope.self, from: data) else { return nil }
        return (envelope.tag.name, envelope.tag.major)
    }

    /// Every message type of this module, in topic-table order.
    public static let messageTypes: [any WireMessage.Type] = [
        OrderCommand.self, ExecutionReport.self, Fill.self, JournalEntry.self, ControlCommand.self, DeadLetter.self,
        Tick.self, TokenGrant.self, TokenRefreshRequest.self, AuthEvent.self, VenueStatus.self, MarketSubscription.self,
    ]

    /// The message type whose ``WireMessage/schemaName`` is `name`, if any.
    public static func messageType(named name: String) -> (any WireMessage.Type)? {
        self.messageTypes.first { $0.schemaName == name }
    }

    /// Decodes a message of whichever type its `schema` field names.
    ///
    /// - Throws: ``MessageError``: `schemaMismatch` when the name is not a known message, `unsupportedSchema` for a
    ///   major version other than 1, otherwise as ``decode(_:from:)``.
    public static func decodeAny(from data: Data) throws(MessageError) -> any WireMessage {
        let envelope = try self.decodeValue(SchemaEnvelope.self, from: data)
        guard let type = self.messageType(named: envelope.tag.name) else {
            throw MessageError(.schemaMismatch, pointer: "/schema", rule: "not the name of a known message")
        }
        return try self.decode(type, from: data)
    }

    /// Decodes with `JSONDecoder`, mapping every error to a ``MessageError``.
    private static func decodeValue<T: Decodable>(_ type: T.Type, from data: Data) throws(MessageError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as MessageError {
            throw error
        } catch let error as DecodingError {
            throw MessageError(decoding: error)
        } catch {
            throw MessageError(.malformedJSON, pointer: "", rule: "document is not valid JSON", underlying: error)
        }
    }
}

/// Just the `schema` member of a message.
private struct SchemaEnvelope: Decodable {
    var tag: SchemaTag

    init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        let raw = try reader.string("schema")
        guard let tag = SchemaTag(raw) else {
            throw MessageError(.invalidValue, pointer: "/schema", rule: "schema must look like \"<name>/v<major>\"")
        }
        self.tag = tag
    }
}

extension MessageError {
    /// Maps a `DecodingError` to a ``MessageError`` whose pointer is built from the coding path.
    public init(decoding error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            self.init(
                .wrongType,
                pointer: JSONPointer.make(JSONPointer.tokens(context.codingPath)),
                rule: "must be \(Self.jsonName(of: type))",
                underlying: error
            )
        case .keyNotFound(let key, let context):
            self.init(
                .missingField,
                pointer: JSONPointer.make(JSONPointer.tokens(context.codingPath + [key])),
                rule: "required field is missing",
                underlying: error
            )
        case .valueNotFound(let type, let context):
            self.init(
                .wrongType,
                pointer: JSONPointer.make(JSONPointer.tokens(context.codingPath)),
                rule: "must be \(Self.jsonName(of: type)), got null",
                underlying: error
            )
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self.init(.malformedJSON, pointer: "", rule: "document is not valid JSON", underlying: error)
        case .dataCorrupted(let context):
            self.init(
                .invalidValue,
                pointer: JSONPointer.make(JSONPointer.tokens(context.codingPath)),
                rule: "value cannot be read",
                underlying: error
            )
        @unknown default:
            self.init(.malformedJSON, pointer: "", rule: "document cannot be decoded", underlying: error)
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is any FixedWidthInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type, is Decimal.Type: "a number"
        case is any Sequence.Type: "an array or object"
        default: "a JSON value of another type"
        }
    }
}
