/// The connection state of one venue, as seen by one service. Topic `venues.status`, keyed by venue id.
///
/// Schema `venue-status/v1`. `disconnected` and `degraded` require ``reason``. Unknown fields are ignored.
public struct VenueStatus: WireMessage, Hashable {
    /// `"venue-status"`.
    public static let schemaName = "venue-status"

    /// Venue id.
    public var venue: String
    /// Connected, disconnected or degraded.
    public var status: VenueConnectionState
    /// Why; required unless ``status`` is `connected`.
    public var reason: Reason?
    /// The reporting service (1-64 characters), for example `tick-publisher`.
    public var reportedBy: String
    /// When the state was observed.
    public var time: Timestamp

    /// Creates a status. Rules are checked when encoding.
    public init(
        venue: String,
        status: VenueConnectionState,
        reason: Reason? = nil,
        reportedBy: String,
        time: Timestamp
    ) {
        self.venue = venue
        self.status = status
        self.reason = reason
        self.reportedBy = reportedBy
        self.time = time
    }

    /// Decodes and validates a status; unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            venue: try reader.string("venue"),
            status: try reader.value("status"),
            reason: try reader.nested(ifPresent: "reason", as: Reason.self),
            reportedBy: try reader.string("reportedBy"),
            time: try reader.timestamp("time")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the status.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.venue, "venue")
        try writer.put(self.status, "status")
        try writer.put(self.reason, "reason")
        try writer.put(self.reportedBy, "reportedBy")
        try writer.put(self.time, "time")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        try self.reason?.validate(rules.nested("reason"))
        if self.status != .connected {
            try rules.require(self.reason != nil, "reason", when: "status is \(self.status.rawValue)")
        }
        try rules.text(self.reportedBy, "reportedBy", length: 1...64)
    }
}
