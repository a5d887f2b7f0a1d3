public import Foundation

/// The operator's control over execution, on topic `orders.control` keyed by venue id or `*`: the kill switch (halt
/// or resume one venue or all) and the resolution of a command whose final report was `unknown` (`resolve`, scope =
/// its venue, with ``resolution``).
///
/// Schema `control-command/v1`. A command: unknown fields are rejected.
public struct ControlCommand: WireMessage, Hashable {
    /// `"control-command"`.
    public static let schemaName = "control-command"

    /// Unique id of this command.
    public var commandId: UUID
    /// Halt or resume.
    public var action: ControlAction
    /// One venue or all (`"*"` on the wire).
    public var scope: ControlScope
    /// Why (1-500 characters), for the audit trail.
    public var reason: String
    /// Who issued it (1-64 characters).
    public var `operator`: String
    /// When it was issued.
    public var issuedAt: Timestamp
    /// The outcome an operator states (action `resolve` only).
    public var resolution: OrderResolution?

    /// Creates a control command. Rules are checked when encoding.
    public init(
        commandId: UUID,
        action: ControlAction,
        scope: ControlScope,
        reason: String,
        operator: String,
        issuedAt: Timestamp,
        resolution: OrderResolution? = nil
    ) {
        self.commandId = commandId
        self.action = action
        self.scope = scope
        self.reason = reason
        self.operator = `operator`
        self.issuedAt = issuedAt
        self.resolution = resolution
    }

    static let fieldNames: Set<String> = ["schema", "commandId", "action", "scope", "reason", "operator", "issuedAt", "resolution"]

    /// Decodes and validates a control command; unknown fields are rejected.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        try reader.rejectUnknownFields(allowed: Self.fieldNames)
        let scope = try reader.string("scope")
        self.init(
            commandId: try reader.uuid("commandId"),
            action: try reader.value("action"),
            scope: scope == "*" ? .allVenues : .venue(scope),
            reason: try reader.string("reason"),
            operator: try reader.string("operator"),
            issuedAt: try reader.timestamp("issuedAt"),
            resolution: try reader.nested(ifPresent: "resolution", as: OrderResolution.self)
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the control command.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.commandId, "commandId")
        try writer.put(self.action, "action")
        try writer.put(self.scope.description, "scope")
        try writer.put(self.reason, "reason")
        try writer.put(self.operator, "operator")
        try writer.put(self.issuedAt, "issuedAt")
        try writer.put(self.resolution, "resolution")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        if case .venue(let id) = self.scope {
            guard WireSyntax.isVenueID(id) else {
                throw rules.invalid(
                    "scope", "scope must be \"*\" or a venue id (1-64 of a-z, 0-9, \".\", \"_\", \"-\")")
            }
        }
        try rules.text(self.reason, "reason", length: 1...500)
        try rules.text(self.operator, "operator", length: 1...64)
        if self.action == .resolve {
            try rules.require(self.resolution != nil, "resolution", when: "action is resolve")
            guard case .venue = self.scope else { throw rules.invalid("scope", "a resolution's scope is its venue") }
        } else if self.resolution != nil {
            throw rules.invalid("resolution", "only action resolve carries a resolution")
        }
        try self.resolution?.validate(rules.nested("resolution"))
    }
}

/// The true outcome of an in-doubt command, as an operator found it at the venue (`tradewire order resolve`).
public struct OrderResolution: Sendable, Hashable, Codable {
    /// The command whose final report was `unknown`.
    public var commandId: UUID
    /// What really happened: `filled` or `accepted` (the order exists), `rejected` (it does not), `closed` or
    /// `cancelled` (a close or cancel that did execute).
    public var status: OrderStatus
    /// The venue's order id (required for `filled`, `accepted`).
    public var venueOrderId: String?
    /// Quantity filled (required and positive for `filled`).
    public var filledQuantity: Decimal?
    /// Average fill price (required for `filled`).
    public var averagePrice: Decimal?

    /// Statuses an operator can state.
    public static let allowedStatuses: [OrderStatus] = [.filled, .accepted, .rejected, .closed, .cancelled]

    /// Creates a resolution.
    public init(
        commandId: UUID, status: OrderStatus, venueOrderId: String? = nil, filledQuantity: Decimal? = nil,
        averagePrice: Decimal? = nil
    ) {
        self.commandId = commandId
        self.status = status
        self.venueOrderId = venueOrderId
        self.filledQuantity = filledQuantity
        self.averagePrice = averagePrice
    }

    static let fieldNames: Set<String> = ["commandId", "status", "venueOrderId", "filledQuantity", "averagePrice"]

    /// Decodes and validates a resolution; unknown fields are rejected.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.rejectUnknownFields(allowed: Self.fieldNames)
        self.init(
            commandId: try reader.uuid("commandId"),
            status: try reader.value("status"),
            venueOrderId: try reader.string(ifPresent: "venueOrderId"),
            filledQuantity: try reader.decimal(ifPresent: "filledQuantity", .nonNegative),
            averagePrice: try reader.decimal(ifPresent: "averagePrice", .positive)
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the resolution.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.put(self.commandId, "commandId")
        try writer.put(self.status, "status")
        try writer.put(self.venueOrderId, "venueOrderId")
        try writer.put(self.filledQuantity, .nonNegative, "filledQuantity")
        try writer.put(self.averagePrice, .positive, "averagePrice")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        guard Self.allowedStatuses.contains(self.status) else {
            throw rules.invalid("status", "status must be one of filled, accepted, rejected, closed, cancelled")
        }
        try rules.text(self.venueOrderId, "venueOrderId", length: 1...64)
        try rules.decimal(self.filledQuantity, .nonNegative, "filledQuantity")
        try rules.decimal(self.averagePrice, .positive, "averagePrice")
        switch self.status {
        case .filled:
            try rules.require(self.venueOrderId != nil, "venueOrderId", when: "status is filled")
            try rules.require((self.filledQuantity ?? 0) > 0, "filledQuantity", when: "status is filled")
            try rules.require(self.averagePrice != nil, "averagePrice", when: "status is filled")
        case .accepted:
            try rules.require(self.venueOrderId != nil, "venueOrderId", when: "status is accepted")
        default:
            break
        }
    }
}
