public import Foundation

/// A request to the auth-token-broker to refresh a venue's credentials now. Topic `auth.refresh-requests`,
/// keyed by venue id.
///
/// Schema `token-refresh-request/v1`. A command: unknown fields are rejected.
public struct TokenRefreshRequest: WireMessage, Hashable {
    /// `"token-refresh-request"`.
    public static let schemaName = "token-refresh-request"

    /// Unique id of this request.
    public var requestId: UUID
    /// Venue id.
    public var venue: String
    /// Why the refresh is needed.
    public var reason: TokenRefreshReason
    /// The grant version the requester holds and found stale (0 or more), if any.
    public var staleVersion: Int?
    /// The requesting service or operator (1-64 characters).
    public var requestedBy: String
    /// When the request was made.
    public var requestedAt: Timestamp

    /// Creates a request. Rules are checked when encoding.
    public init(
        requestId: UUID,
        venue: String,
        reason: TokenRefreshReason,
        staleVersion: Int? = nil,
        requestedBy: String,
        requestedAt: Timestamp
    ) {
        self.requestId = requestId
        self.venue = venue
        self.reason = reason
        self.staleVersion = staleVersion
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
    }

    static let fieldNames: Set<String> = [
        "schema", "requestId", "venue", "reason", "staleVersion", "requestedBy", "requestedAt",
    ]

    /// Decodes and validates a request; unknown fields are rejected.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        try reader.rejectUnknownFields(allowed: Self.fieldNames)
        self.init(
            requestId: try reader.uuid("requestId"),
            venue: try reader.string("venue"),
            reason: try reader.value("reason"),
            staleVersion: try reader.integer(ifPresent: "staleVersion"),
            requestedBy: try reader.string("requestedBy"),
            requestedAt: try reader.timestamp("requestedAt")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the request.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.requestId, "requestId")
        try writer.put(self.venue, "venue")
        try writer.put(self.reason, "reason")
        try writer.put(self.staleVersion, "staleVersion")
        try writer.put(self.requestedBy, "requestedBy")
        try writer.put(self.requestedAt, "requestedAt")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        try rules.atLeast(self.staleVersion, 0, "staleVersion")
        try rules.text(self.requestedBy, "requestedBy", length: 1...64)
    }
}
