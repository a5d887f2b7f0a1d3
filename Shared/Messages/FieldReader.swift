import Foundation

/// Reads the members of one JSON object, turning every problem into a ``MessageError`` with a precise pointer.
struct FieldReader {
    /// Reference tokens of the object being read.
    let path: [String]
    private let container: KeyedDecodingContainer<AnyCodingKey>

    /// Opens the object at the decoder's position.
    init(_ decoder: any Decoder) throws(MessageError) {
        self.path = JSONPointer.tokens(decoder.codingPath)
        do {
            self.container = try decoder.container(keyedBy: AnyCodingKey.self)
        } catch {
            let kind = (try? decoder.singleValueContainer()).map(Self.kind(of:)) ?? "an array"
            throw MessageError(
                .wrongType, pointer: JSONPointer.make(self.path), rule: "must be a JSON object, got \(kind)")
        }
    }

    /// The pointer of member `key`.
    func pointer(_ key: String) -> String { JSONPointer.make(self.path + [key]) }

    /// Whether member `key` is present (even if `null`).
    func contains(_ key: String) -> Bool { self.container.contains(AnyCodingKey(key)) }

    /// Checks the `schema` member: `"<name>/v1"`.
    func requireSchema(_ name: String) throws(MessageError) {
        let raw = try self.string("schema")
        guard let tag = SchemaTag(raw) else {
            throw MessageError(
                .invalidValue, pointer: self.pointer("schema"), rule: "schema must look like \"\(name)/v1\"")
        }
        guard tag.name == name else {
            throw MessageError(
                .schemaMismatch,
                pointer: self.pointer("schema"),
                rule: "schema names \(tag.name), expected \(name)"
            )
        }
        guard tag.major == 1 else {
            throw MessageError(
                .unsupportedSchema,
                pointer: self.pointer("schema"),
                rule: "unsupported major version \(tag.major) of \(name); this reader understands v1"
            )
        }
    }

    /// Rejects members not in `allowed` (commands only).
    func rejectUnknownFields(allowed: Set<String>) throws(MessageError) {
        let unknown = self.container.allKeys.map(\.stringValue).filter { !allowed.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        var rule = "unknown field; commands reject fields that are not in the schema"
        if let suggestion = Self.closest(to: first, in: allowed) { rule += " (did you mean \"\(suggestion)\"?)" }
        throw MessageError(.unknownField, pointer: self.pointer(first), rule: rule)
    }

    // MARK: - Typed members

    func string(_ key: String) throws(MessageError) -> String {
        try self.decode(String.self, key, expecting: "must be a string")
    }

    func string(ifPresent key: String) throws(MessageError) -> String? {
        self.contains(key) ? try self.string(key) : nil
    }

    func decimal(_ key: String, _ kind: DecimalKind) throws(MessageError) -> Decimal {
        let text = try self.decode(String.self, key, expecting: "decimal must be a JSON string like \"0.11\"")
        do {
            return try WireDecimal.parse(text, kind: kind)
        } catch {
            throw MessageError(.invalidValue, pointer: self.pointer(key), rule: error.rule)
        }
    }

    func decimal(ifPresent key: String, _ kind: DecimalKind) throws(MessageError) -> Decimal? {
        self.contains(key) ? try self.decimal(key, kind) : nil
    }

    func timestamp(_ key: String) throws(MessageError) -> Timestamp {
        let text = try self.decode(String.self, key, expecting: Timestamp.typeRule)
        do {
            return try Timestamp.parse(text)
        } catch {
            throw MessageError(.invalidValue, pointer: self.pointer(key), rule: error.rule)
        }
    }

    func timestamp(ifPresent key: String) throws(MessageError) -> Timestamp? {
        self.contains(key) ? try self.timestamp(key) : nil
    }

    func uuid(_ key: String) throws(MessageError) -> UUID {
        let text = try self.decode(String.self, key, expecting: "uuid must be a string")
        guard WireSyntax.isUUID(text), let value = UUID(uuidString: text) else {
            throw MessageError(
                .invalidValue,
                pointer: self.pointer(key),
                rule: "uuid must be 8-4-4-4-12 hexadecimal digits"
            )
        }
        return value
    }

    func uuid(ifPresent key: String) throws(MessageError) -> UUID? {
        self.contains(key) ? try self.uuid(key) : nil
    }

    func value<E: WireEnum>(_ key: String, as type: E.Type = E.self) throws(MessageError) -> E {
        let raw = try self.string(key)
        guard let value = E(rawValue: raw) else {
            throw MessageError(
                .invalidValue,
                pointer: self.pointer(key),
                rule: "must be one of \(E.allowedValues)\(WireSyntax.echo(raw))"
            )
        }
        return value
    }

    func value<E: WireEnum>(ifPresent key: String, as type: E.Type = E.self) throws(MessageError) -> E? {
        self.contains(key) ? try self.value(key, as: type) : nil
    }

    func integer<I: FixedWidthInteger & Decodable>(_ key: String, as type: I.Type = I.self) throws(MessageError) -> I {
        try self.decode(I.self, key, expecting: "must be an integer in \(I.bitWidth)-bit range")
    }

    func integer<I: FixedWidthInteger & Decodable>(
        ifPresent key: String, as type: I.Type = I.self
    ) throws(MessageError) -> I? {
        self.contains(key) ? try self.integer(key, as: type) : nil
    }

    func bool(_ key: String) throws(MessageError) -> Bool {
        try self.decode(Bool.self, key, expecting: "must be a boolean")
    }

    func base64(_ key: String) throws(MessageError) -> Data {
        let text = try self.decode(String.self, key, expecting: "must be a base64 string")
        guard WireSyntax.isBase64(text), let data = Data(base64Encoded: text) else {
            throw MessageError(
                .invalidValue,
                pointer: self.pointer(key),
                rule: "must be standard base64 (A-Z, a-z, 0-9, +, /, with = padding)"
            )
        }
        return data
    }

    func base64(ifPresent key: String) throws(MessageError) -> Data? {
        self.contains(key) ? try self.base64(key) : nil
    }

    /// Decodes a nested object (its own `init(from:)` reports its own pointers).
    func nested<T: Decodable>(_ type: T.Type, _ key: String) throws(MessageError) -> T {
        try self.decode(T.self, key, expecting: "must be an object")
    }

    func nested<T: Decodable>(ifPresent key: String, as type: T.Type) throws(MessageError) -> T? {
        self.contains(key) ? try self.nested(type, key) : nil
    }

    // MARK: - Core

    private func decode<T: Decodable>(_ type: T.Type, _ key: String, expecting: String) throws(MessageError) -> T {
        let codingKey = AnyCodingKey(key)
        guard self.container.contains(codingKey) else {
            throw MessageError(.missingField, pointer: self.pointer(key), rule: "required field is missing")
        }
        do {
            return try self.container.decode(T.self, forKey: codingKey)
        } catch let error as MessageError {
            throw error
        } catch {
            throw MessageError(
                .wrongType,
                pointer: self.pointer(key),
                rule: "\(expecting), got \(self.kind(of: codingKey))",
                underlying: error
            )
        }
    }

    /// The JSON type of member `key`, in words.
    private func kind(of key: AnyCodingKey) -> String {
        if (try? self.container.decodeNil(forKey: key)) == true { return "null" }
        if (try? self.container.decode(Bool.self, forKey: key)) != nil { return "a boolean" }
        if (try? self.container.decode(String.self, forKey: key)) != nil { return "a string" }
        if (try? self.container.decode(Decimal.self, forKey: key)) != nil { return "a number" }
        if (try? self.container.decode(Double.self, forKey: key)) != nil { return "a number" }
        if (try? self.container.nestedUnkeyedContainer(forKey: key)) != nil { return "an array" }
        if (try? self.container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: key)) != nil { return "an object" }
        return "an unsupported value"
    }

    /// The JSON type of a single value, in words.
    private static func kind(of container: any SingleValueDecodingContainer) -> String {
        if container.decodeNil() { return "null" }
        if (try? container.decode(Bool.self)) != nil { return "a boolean" }
        if (try? container.decode(String.self)) != nil { return "a string" }
        if (try? container.decode(Double.self)) != nil { return "a number" }
        return "an array"
    }

    /// The allowed name within edit distance 2 of `name`, if exactly one is closest.
    private static func closest(to name: String, in allowed: Set<String>) -> String? {
        let scored = allowed.map { ($0, editDistance(Array(name.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.map(\.1).min(), best <= 2 else { return nil }
        let winners = scored.filter { $0.1 == best }.map(\.0).sorted()
        return winners.count == 1 ? winners[0] : nil
    }

    private static func editDistance(_ lhs: [Character], _ rhs: [Character]) -> Int {
        guard !lhs.isEmpty, !rhs.isEmpty, lhs.count < 100, rhs.count < 100 else { return max(lhs.count, rhs.count) }
        var previous = Array(0...rhs.count)
        for (i, left) in lhs.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: rhs.count)
            for (j, right) in rhs.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1))
            }
            previous = current
        }
        return previous[rhs.count]
    }
}
