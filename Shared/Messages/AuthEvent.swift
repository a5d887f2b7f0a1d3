public import Foundation

/// Something that happened to a venue's credentials. Topic `auth.events`, keyed by venue id.
///
/// Schema `auth-event/v1`. Carries no secret material. `failed_*` kinds require ``error``.
/// Unknown fields are ignored when decoding.
public struct AuthEvent: WireMessage, Hashable {
    /// `"auth-event"`.
    public static let schemaName = "auth-event"

    /// Unique id of this event.
    public var eventId: UUID
    /// Venue id.
    public var venue: String
    /// The venue's protocol.
    public var `protocol`: VenueProtocol
    /// What happened.
    public var kind: AuthEventKind
    /// The grant version issued or refreshed (1 or more).
    public var version: Int?
    /// When the new credentials expire.
    public var expiresAt: Timestamp?
    /// What went wrong; required for `failed_transient` and `failed_revoked`.
    public var error: Reason?
    /// When it happened.
    public var time: Timestamp

    /// Creates an event. Rules are checked when encoding.
    public init(
        eventId: UUID,
        venue: String,
        protocol: VenueProtocol,
        kind: AuthEventKind,
        version: Int? = nil,
        expiresAt: Timestamp? = nil,
        error: Reason? = nil,
        time: Timestamp
    ) {
        self.eventId = eventId
        self.venue = venue
        self.protocol = `protocol`
        self.kind = kind
        self.version = version
        self.expiresAt = expiresAt
        self.error = error
        self.time = time
    }

    /// Decodes and validates an event; unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            eventId: try reader.uuid("eventId"),
            venue: try reader.string("venue"),
            protocol: try reader.value("protocol"),
            kind: try reader.value("kind"),
            version: try reader.integer(ifPresent: "version"),
            expiresAt: try reader.timestamp(ifPresent: "expiresAt"),
            error: try reader.nested(ifPresent: "error", as: Reason.self),
            time: try reader.timestamp("time")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the event.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.eventId, "eventId")
        try writer.put(self.venue, "venue")
        try writer.put(self.protocol, "protocol")
        try writer.put(self.kind, "kind")
        try writer.put(self.version, "version")
        try writer.put(self.expiresAt, "expiresAt")
        try writer.put(self.error, "error")
        try writer.put(self.time, "time")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        try rules.atLeast(self.version, 1, "version")
        try self.error?.validate(rules.nested("error"))
        if self.kind.isFailure {
            try rules.require(self.error != nil, "error", when: "kind is \(self.kind.rawValue)")
        }
    }
}
