/// The one error type of the `Messages` module: a message could not be decoded, or an in-memory
/// message could not be encoded because it breaks a schema rule.
///
/// Match on ``code``; use ``pointer`` to find the offending field and ``rule`` to explain it.
/// ``description`` is safe to log: it names the field and the rule but never echoes free-text values
/// (only short enum-like values such as an unknown `action`). Detail goes in ``debugDescription``.
public struct MessageError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// An opaque error code. New codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case malformedJSON, missingField, wrongType, invalidValue, unknownField, unsupportedSchema, schemaMismatch
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The input is not JSON at all (or is empty).
        public static let malformedJSON = Code(.malformedJSON)
        /// A required field is absent (possibly required only because of another field's value).
        public static let missingField = Code(.missingField)
        /// A field has the wrong JSON type, for example a number where a decimal string is expected, or `null`.
        public static let wrongType = Code(.wrongType)
        /// A field has the right JSON type but breaks a rule: pattern, range, enum membership or a conditional rule.
        public static let invalidValue = Code(.invalidValue)
        /// A command carries a field that is not in its schema, or an extension key that is not a protocol id.
        public static let unknownField = Code(.unknownField)
        /// The `schema` field names this message but a major version this build does not understand.
        public static let unsupportedSchema = Code(.unsupportedSchema)
        /// The `schema` field names a different message than the one being decoded.
        public static let schemaMismatch = Code(.schemaMismatch)

        /// The camelCase name, for example `missingField`.
        public var description: String { self.base.rawValue }

        /// The snake_case name, for example `missing_field`, as used in `DeadLetter.Failure.code` and `Reason.code`.
        public var snakeCaseName: String {
            switch self.base {
            case .malformedJSON: "malformed_json"
            case .missingField: "missing_field"
            case .wrongType: "wrong_type"
            case .invalidValue: "invalid_value"
            case .unknownField: "unknown_field"
            case .unsupportedSchema: "unsupported_schema"
            case .schemaMismatch: "schema_mismatch"
            }
        }
    }

    /// What kind of problem this is.
    public var code: Code
    /// RFC 6901 JSON pointer of the offending field, for example `/quantity` or `/command/limitPrice`;
    /// the empty string means the whole document.
    public var pointer: String
    /// The rule that was broken, in words, for example `decimal must be a JSON string like "0.11", got a number`.
    public var rule: String
    /// The lower-level error, if any (for example the `DecodingError` from `JSONDecoder`). Not part of ``description``.
    public var underlying: (any Error)?
    /// Where the error was thrown, as `file:line`.
    public var location: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - pointer: RFC 6901 JSON pointer of the offending field ("" for the document).
    ///   - rule: The broken rule, in words. Must not contain free-text input values.
    ///   - underlying: An optional lower-level error.
    public init(
        _ code: Code,
        pointer: String,
        rule: String,
        underlying: (any Error)? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.pointer = pointer
        self.rule = rule
        self.underlying = underlying
        self.location = "\(file):\(line)"
    }

    /// `"<code> at <pointer>: <rule>"`; the document pointer is shown as `""`. Safe to log.
    public var description: String {
        "\(self.code) at \(self.pointer.isEmpty ? "\"\"" : self.pointer): \(self.rule)"
    }

    /// ``description`` plus the throw site and the underlying error. May contain input fragments; do not log at info.
    public var debugDescription: String {
        var text = "MessageError.\(self.description) [\(self.location)]"
        if let underlying = self.underlying {
            text += " underlying: \(String(reflecting: underlying))"
        }
        return text
    }
}
