public import Foundation

/// Any JSON value, used for the free-form contents of `OrderCommand.extensions`.
///
/// Numbers are kept as `Decimal`, so `0.1` survives a round trip exactly.
public enum JSONValue: Sendable, Hashable, Codable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A JSON number.
    case number(Decimal)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object.
    case object([String: JSONValue])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw MessageError(
                .wrongType,
                pointer: JSONPointer.make(JSONPointer.tokens(decoder.codingPath)),
                rule: "value is not representable as JSON (number out of range?)"
            )
        }
    }

    /// Encodes the value as JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            guard value.isFinite else {
                throw MessageError(
                    .invalidValue,
                    pointer: JSONPointer.make(JSONPointer.tokens(encoder.codingPath)),
                    rule: "JSON numbers must be finite"
                )
            }
            try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The members if this is an object, else `nil`.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { members } else { nil }
    }
}

extension JSONValue {
    /// The value as an integer, when it is a whole number in range.
    public var integerValue: Int? {
        guard case .number(let number) = self else { return nil }
        var value = number
        var whole = Decimal()
        NSDecimalRound(&whole, &value, 0, .plain)
        guard whole == number else { return nil }
        return Int(exactly: NSDecimalNumber(decimal: number).int64Value)
    }

    /// The value as a decimal, when it is a number (or a string holding one).
    public var decimalValue: Decimal? {
        switch self {
        case .number(let number): number
        case .string(let text): Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        default: nil
        }
    }

    /// The value as text, when it is a string.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The elements if this is an array, else `nil`.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// A member of an object (`nil` when this is not an object or has no such member).
    public subscript(member key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }
}
