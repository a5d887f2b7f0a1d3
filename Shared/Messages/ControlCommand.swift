public import Foundation

/// The kill switch: halt or resume command execution for one venue or all. Topic `orders.control`, keyed by
/// venue id or `*`.
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

    /// Creates a control command. Rules are checked when encoding.
    public init(
        commandId: UUID,
        action: ControlAction,
        scope: ControlScope,
        reason: String,
        operator: String,
        issuedAt: Timestamp
    ) {
        self.commandId = commandId
        self.action = action
        self.scope = scope
        self.reason = reason
        self.operator = `operator`
        self.issuedAt = issuedAt
    }

    static let fieldNames: Set<String> = ["schema", "commandId", "action", "scope", "reason", "operator", "issuedAt"]

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
            issuedAt: try reader.timestamp("issuedAt")
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
    }
}
