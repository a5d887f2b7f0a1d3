/// Why something happened: a machine-readable snake_case code plus a human-readable message.
///
/// Used as `ExecutionReport.reason`, `AuthEvent.error` and `VenueStatus.reason`. The message is free text for
/// people; it must never contain secrets. Unknown members are ignored when decoding (events are forward compatible).
public struct Reason: Sendable, Hashable, Codable {
    /// Machine-readable, snake_case (`^[a-z][a-z0-9_]*$`), for example `insufficient_margin`.
    public var code: String
    /// Human-readable explanation.
    public var message: String
    /// The venue's own error code, verbatim, when the reason came from the venue.
    public var venueCode: String?

    /// Creates a reason.
    public init(code: String, message: String, venueCode: String? = nil) {
        self.code = code
        self.message = message
        self.venueCode = venueCode
    }

    /// Decodes and validates a reason object.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        self.init(
            code: try reader.string("code"),
            message: try reader.string("message"),
            venueCode: try reader.string(ifPresent: "venueCode")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes a reason object.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.put(self.code, "code")
        try writer.put(self.message, "message")
        try writer.put(self.venueCode, "venueCode")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.snakeCaseCode(self.code)
    }
}
