import Foundation

/// The field rules of the schemas, applied to in-memory values: after decoding (cross-field rules) and before
/// encoding (everything), so that the module never produces a message its own schemas reject.
struct FieldRules {
    /// Reference tokens of the object being checked.
    let path: [String]

    init(path: [String]) { self.path = path }

    init(codingPath: [any CodingKey]) { self.path = JSONPointer.tokens(codingPath) }

    /// Rules for the nested object at member `key`.
    func nested(_ key: String) -> FieldRules { FieldRules(path: self.path + [key]) }

    func pointer(_ key: String) -> String { JSONPointer.make(self.path + [key]) }

    func invalid(_ key: String, _ rule: String) -> MessageError {
        MessageError(.invalidValue, pointer: self.pointer(key), rule: rule)
    }

    func venueID(_ value: String, _ key: String = "venue") throws(MessageError) {
        guard WireSyntax.isVenueID(value) else {
            throw self.invalid(
                key, "venue id must be 1-64 of a-z, 0-9, \".\", \"_\", \"-\", starting with a letter or digit")
        }
    }

    func clientOrderID(_ value: String, _ key: String = "clientOrderId") throws(MessageError) {
        guard WireSyntax.isClientOrderID(value) else {
            throw self.invalid(key, "client order id must be 1-64 of A-Z, a-z, 0-9, \".\", \"_\", \":\", \"-\"")
        }
    }

    func symbol(_ value: String?, _ key: String = "symbol") throws(MessageError) {
        guard let value else { return }
        guard WireSyntax.isSymbol(value) else {
            throw self.invalid(key, "symbol must be 1-32 of A-Z, a-z, 0-9, \".\", \"_\", \"/\", \"#\", \"*\", \"-\"")
        }
    }

    /// A string whose length in Unicode code points is within `length`.
    func text(_ value: String?, _ key: String, length: ClosedRange<Int>) throws(MessageError) {
        guard let value else { return }
        let count = value.unicodeScalars.count
        guard length.contains(count) else {
            let bound =
                length.upperBound == Int.max
                ? "at least \(length.lowerBound)" : "\(length.lowerBound)-\(length.upperBound)"
            throw self.invalid(key, "must be \(bound) characters long")
        }
    }

    func snakeCaseCode(_ value: String, _ key: String = "code") throws(MessageError) {
        guard WireSyntax.isSnakeCaseCode(value) else {
            throw self.invalid(key, "code must be snake_case: a-z first, then a-z, 0-9, \"_\"")
        }
    }

    func decimal(_ value: Decimal?, _ kind: DecimalKind, _ key: String) throws(MessageError) {
        guard let value else { return }
        do {
            _ = try WireDecimal.format(value, kind: kind)
        } catch {
            throw self.invalid(key, error.rule)
        }
    }

    func atLeast<I: FixedWidthInteger>(_ value: I?, _ minimum: I, _ key: String) throws(MessageError) {
        guard let value else { return }
        guard value >= minimum else { throw self.invalid(key, "must be an integer >= \(minimum)") }
    }

    /// Throws `missingField` when `isPresent` is false; `condition` says why the field is required.
    func require(_ isPresent: Bool, _ key: String, when condition: String) throws(MessageError) {
        guard isPresent else {
            throw MessageError(.missingField, pointer: self.pointer(key), rule: "required when \(condition)")
        }
    }

    /// Throws `invalidValue` when `isPresent` is true; `condition` says why the field is not allowed.
    func forbid(_ isPresent: Bool, _ key: String, when condition: String) throws(MessageError) {
        guard !isPresent else { throw self.invalid(key, "not allowed when \(condition)") }
    }
}

/// Writes the members of one JSON object; decimal, timestamp, uuid and data values in their wire form.
struct FieldWriter {
    private var container: KeyedEncodingContainer<AnyCodingKey>
    private let path: [String]

    init(_ encoder: any Encoder) {
        self.container = encoder.container(keyedBy: AnyCodingKey.self)
        self.path = JSONPointer.tokens(encoder.codingPath)
    }

    mutating func schema(_ name: String) throws { try self.put("\(name)/v1", "schema") }

    mutating func put<T: Encodable>(_ value: T?, _ key: String) throws {
        guard let value else { return }
        try self.container.encode(value, forKey: AnyCodingKey(key))
    }

    mutating func put<E: WireEnum>(_ value: E?, _ key: String) throws { try self.put(value?.rawValue, key) }

    mutating func put(_ value: UUID?, _ key: String) throws { try self.put(value?.uuidString.lowercased(), key) }

    mutating func put(_ value: Data?, _ key: String) throws { try self.put(value?.base64EncodedString(), key) }

    mutating func put(_ value: Decimal?, _ kind: DecimalKind, _ key: String) throws {
        guard let value else { return }
        do {
            try self.put(try WireDecimal.format(value, kind: kind), key)
        } catch let violation as RuleViolation {
            throw MessageError(.invalidValue, pointer: JSONPointer.make(self.path + [key]), rule: violation.rule)
        }
    }
}
