public import Foundation

/// The current session credentials of one venue, sealed with AES-256-GCM. Topic `auth.tokens` (compacted),
/// keyed by venue id.
///
/// Schema `token-grant/v1`. Only the auth-token-broker writes grants; executors open ``sealed`` with the key named
/// by ``keyId``. Unknown fields are ignored when decoding.
public struct TokenGrant: WireMessage, Hashable {
    /// `"token-grant"`.
    public static let schemaName = "token-grant"

    /// Venue id.
    public var venue: String
    /// The venue's protocol.
    public var `protocol`: VenueProtocol
    /// Grant version per venue, increasing from 1.
    public var version: Int
    /// When the grant was issued.
    public var issuedAt: Timestamp
    /// When the credentials expire; `nil` for credentials that never expire.
    public var expiresAt: Timestamp?
    /// Id of the sealing key (1-64 characters).
    public var keyId: String
    /// `nonce || ciphertext || tag` (AES-256-GCM); base64 on the wire, never empty.
    public var sealed: Data

    /// Creates a grant. Rules are checked when encoding.
    public init(
        venue: String,
        protocol: VenueProtocol,
        version: Int,
        issuedAt: Timestamp,
        expiresAt: Timestamp? = nil,
        keyId: String,
        sealed: Data
    ) {
        self.venue = venue
        self.protocol = `protocol`
        self.version = version
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.keyId = keyId
        self.sealed = sealed
    }

    /// Decodes and validates a grant; unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            venue: try reader.string("venue"),
            protocol: try reader.value("protocol"),
            version: try reader.integer("version"),
            issuedAt: try reader.timestamp("issuedAt"),
            expiresAt: try reader.timestamp(ifPresent: "expiresAt"),
            keyId: try reader.string("keyId"),
            sealed: try reader.base64("sealed")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the grant.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.venue, "venue")
        try writer.put(self.protocol, "protocol")
        try writer.put(self.version, "version")
        try writer.put(self.issuedAt, "issuedAt")
        try writer.put(self.expiresAt, "expiresAt")
        try writer.put(self.keyId, "keyId")
        try writer.put(self.sealed, "sealed")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        try rules.atLeast(self.version, 1, "version")
        try rules.text(self.keyId, "keyId", length: 1...64)
        guard !self.sealed.isEmpty else { throw rules.invalid("sealed", "sealed must not be empty") }
    }
}
