/// A message that travels on a Kafka topic as JSON, described by `schemas/<schemaName>.v1.json`.
///
/// Every message carries `"schema": "<schemaName>/v1"`. Decoding checks it (a different name is a
/// `schemaMismatch`, another major version an `unsupportedSchema` error); encoding writes it.
/// Decode and encode through ``WireFormat`` to get ``MessageError``s with JSON pointers.
public protocol WireMessage: Codable, Sendable {
    /// The message name, for example `"order-command"`; the schema file is `schemas/<schemaName>.v1.json`.
    static var schemaName: String { get }
}

extension WireMessage {
    /// The major schema version this build reads and writes.
    public static var schemaMajor: Int { 1 }

    /// The value of the `schema` field, for example `"order-command/v1"`.
    public static var schemaTag: String { "\(Self.schemaName)/v\(Self.schemaMajor)" }
}

/// A parsed `schema` field value: `<name>/v<major>`.
struct SchemaTag: Hashable, Sendable {
    /// Message name: lowercase letters, digits and `-`, at most 64 characters.
    var name: String
    /// Major version, without leading zeros.
    var major: Int

    init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let name = String(text[..<slash])
        let version = text[text.index(after: slash)...]
        let isNameByte = { (byte: UInt8) in WireSyntax.isLowerAlnum(byte) || byte == UInt8(ascii: "-") }
        guard WireSyntax.matches(name, length: 1...64, first: WireSyntax.isLowerAlnum, rest: isNameByte) else {
            return nil
        }
        guard version.hasPrefix("v") else { return nil }
        let digits = String(version.dropFirst())
        guard WireSyntax.matches(digits, length: 1...9, first: WireSyntax.isDigit, rest: WireSyntax.isDigit),
            digits == "0" || !digits.hasPrefix("0"), let major = Int(digits)
        else { return nil }
        self.name = name
        self.major = major
    }
}
