import Foundation

/// A JSON value read and written exactly: object members keep their order (duplicates included) and numbers keep
/// their literal text, so that the Deriv face echoes a request in `echo_req` exactly as it was received and the
/// cTrader face checks a payload's fields as the client wrote them. Parsed by ``parse(_:)``; written by
/// ``OrderedJSON``.
///
/// Numbers the simulator produces are written from `Int64` or `Decimal` (already rounded by the caller), never
/// through `Double` and never in exponent form.
enum ExactJSON: Sendable {
    case null
    case bool(Bool)
    /// A number, as its JSON literal (validated against the RFC 8259 grammar when parsed).
    case number(String)
    case string(String)
    case array([ExactJSON])
    case object([(String, ExactJSON)])

    /// A number from an integer.
    static func int(_ value: Int64) -> ExactJSON { .number(String(value)) }

    /// A number from an `Int`.
    static func int(_ value: Int) -> ExactJSON { .number(String(value)) }

    /// A number from a decimal (`Decimal.description` never uses exponent form).
    static func decimal(_ value: Decimal) -> ExactJSON { .number(value.isFinite ? value.description : "0") }

    /// A string, or `null` when `value` is `nil`.
    static func optionalString(_ value: String?) -> ExactJSON { value.map(ExactJSON.string) ?? .null }

    /// The members of an object, or `nil`.
    var members: [(String, ExactJSON)]? {
        if case .object(let members) = self { members } else { nil }
    }

    /// The value of member `key` of an object (the last one when the key is repeated, as most parsers do).
    subscript(key: String) -> ExactJSON? {
        self.members?.last { $0.0 == key }?.1
    }

    /// The string, if this is one.
    var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The value if this is an integer literal (no fraction, no exponent) that fits `Int64`.
    var int64Value: Int64? {
        guard case .number(let text) = self, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            return nil
        }
        return Int64(text)
    }

    /// The value if this is a number representable as `Decimal`.
    var decimalValue: Decimal? {
        guard case .number(let text) = self else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// The compact JSON text.
    var text: String {
        self.ordered.text
    }

    /// The same value for ``OrderedJSON`` to write (numbers as their literal text).
    private var ordered: OrderedJSON {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .number(let text): .literal(text)
        case .string(let value): .string(value)
        case .array(let values): .array(values.map(\.ordered))
        case .object(let members): .object(members.map { ($0.0, $0.1.ordered) })
        }
    }
}

// MARK: - Parsing

/// Why a frame is not JSON.
struct ExactJSONError: Error, Sendable {
    var reason: String
}

extension ExactJSON {
    /// Deepest nesting accepted (a 64 KiB frame could otherwise nest deeply enough to exhaust the stack).
    static let maxDepth = 64

    /// Parses one JSON text (RFC 8259; surrounding whitespace allowed, nothing after the value).
    static func parse(_ text: String) throws(ExactJSONError) -> ExactJSON {
        var parser = ExactJSONParser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw ExactJSONError(reason: "unexpected data after JSON") }
        return value
    }
}

/// A recursive-descent parser over UTF-8 bytes.
private struct ExactJSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func skipWhitespace() {
        while self.index < self.bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(self.bytes[self.index]) {
            self.index += 1
        }
    }

    private func fail(_ reason: String) -> ExactJSONError {
        ExactJSONError(reason: "\(reason) at offset \(self.index)")
    }

    mutating func value(depth: Int) throws(ExactJSONError) -> ExactJSON {
        guard depth <= ExactJSON.maxDepth else { throw self.fail("nesting too deep") }
        guard self.index < self.bytes.count else { throw self.fail("unexpected end") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.object(depth: depth)
        case UInt8(ascii: "["): return try self.array(depth: depth)
        case UInt8(ascii: "\""): return .string(try self.string())
        case UInt8(ascii: "t"): try self.literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.literal("null"); return .null
        default: return .number(try self.number())
        }
    }

    private mutating func literal(_ word: String) throws(ExactJSONError) {
        let expected = Array(word.utf8)
        guard self.index + expected.count <= self.bytes.count,
            Array(self.bytes[self.index..<self.index + expected.count]) == expected
        else { throw self.fail("invalid literal") }
        self.index += expected.count
    }

    private mutating func object(depth: Int) throws(ExactJSONError) -> ExactJSON {
        self.index += 1
        var members: [(String, ExactJSON)] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.fail("expected a member name")
            }
            let name = try self.string()
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                throw self.fail("expected ':'")
            }
            self.index += 1
            self.skipWhitespace()
            members.append((name, try self.value(depth: depth + 1)))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.fail("unexpected end") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw self.fail("expected ',' or '}'")
            }
        }
    }

    private mutating func array(depth: Int) throws(ExactJSONError) -> ExactJSON {
        self.index += 1
        var values: [ExactJSON] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            return .array(values)
        }
        while true {
            self.skipWhitespace()
            values.append(try self.value(depth: depth + 1))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.fail("unexpected end") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(values)
            default: throw self.fail("expected ',' or ']'")
            }
        }
    }

    private mutating func number() throws(ExactJSONError) -> String {
        let start = self.index
        func digits() -> Int {
            let first = self.index
            while self.index < self.bytes.count, (0x30...0x39).contains(self.bytes[self.index]) { self.index += 1 }
            return self.index - first
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        let integerStart = self.index
        let integerDigits = digits()
        guard integerDigits > 0 else { throw self.fail("invalid value") }
        guard integerDigits == 1 || self.bytes[integerStart] != UInt8(ascii: "0") else {
            throw self.fail("leading zero")
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            self.index += 1
            guard digits() > 0 else { throw self.fail("invalid fraction") }
        }
        if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            self.index += 1
            if self.index < self.bytes.count, [UInt8(ascii: "+"), UInt8(ascii: "-")].contains(self.bytes[self.index]) {
                self.index += 1
            }
            guard digits() > 0 else { throw self.fail("invalid exponent") }
        }
        return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
    }

    private mutating func string() throws(ExactJSONError) -> String {
        self.index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = self.index
        func flush(_ end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: self.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                flush(self.index)
                self.index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(self.index)
                self.index += 1
                scalars.append(try self.escape())
                runStart = self.index
            case 0..<0x20:
                throw self.fail("control character in string")
            default:
                self.index += 1
            }
        }
        throw self.fail("unterminated string")
    }

    private mutating func escape() throws(ExactJSONError) -> Unicode.Scalar {
        guard self.index < self.bytes.count else { throw self.fail("unterminated escape") }
        let byte = self.bytes[self.index]
        self.index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try self.hex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else { throw self.fail("unpaired surrogate") }
                self.index += 2
                let low = try self.hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw self.fail("unpaired surrogate") }
                let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else { throw self.fail("invalid escape") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(unit) else { throw self.fail("unpaired surrogate") }
            return scalar
        default:
            throw self.fail("invalid escape")
        }
    }

    private mutating func hex4() throws(ExactJSONError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.fail("invalid \\u escape") }
        var value: UInt32 = 0
        for byte in self.bytes[self.index..<self.index + 4] {
            guard let digit = Int(String(UnicodeScalar(byte)), radix: 16) else { throw self.fail("invalid \\u escape") }
            value = value << 4 | UInt32(digit)
        }
        self.index += 4
        return value
    }
}
