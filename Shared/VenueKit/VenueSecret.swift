/// A secret string (API key, password, token, private key) that never prints itself.
///
/// `description`, `debugDescription` and string interpolation all show `<redacted>`; read ``value`` only at the
/// point where the secret goes on the wire.
public struct VenueSecret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself.
    public let value: String

    /// Wraps a secret.
    public init(_ value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        self.value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.value)
    }

    /// Whether the secret is empty.
    public var isEmpty: Bool { self.value.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
