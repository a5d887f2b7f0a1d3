public import Foundation

/// Adds or removes symbols of a venue's market-data session at run time. Topic `market.subscriptions`, keyed by
/// venue id.
///
/// Schema `market-subscription/v1`. A command: unknown fields are rejected. The tick-publisher applies these on top
/// of the configured symbols, in offset order, replaying the topic at start.
public struct MarketSubscription: WireMessage, Hashable {
    /// `"market-subscription"`.
    public static let schemaName = "market-subscription"

    /// Unique id of this command.
    public var commandId: UUID
    /// Subscribe or unsubscribe.
    public var action: SubscriptionAction
    /// Venue id.
    public var venue: String
    /// Symbols as the venue names them (1-100, each at most once).
    public var symbols: [String]
    /// Who issued it (1-64 characters).
    public var `operator`: String
    /// When it was issued.
    public var issuedAt: Timestamp

    /// Creates a subscription command. Rules are checked when encoding.
    public init(
        commandId: UUID, action: SubscriptionAction, venue: String, symbols: [String], operator: String,
        issuedAt: Timestamp
    ) {
        self.commandId = commandId
        self.action = action
        self.venue = venue
        self.symbols = symbols
        self.operator = `operator`
        self.issuedAt = issuedAt
    }

    static let fieldNames: Set<String> = ["schema", "commandId", "action", "venue", "symbols", "operator", "issuedAt"]

    /// Decodes and validates a subscription command; unknown fields are rejected.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        try reader.rejectUnknownFields(allowed: Self.fieldNames)
        self.init(
            commandId: try reader.uuid("commandId"),
            action: try reader.value("action"),
            venue: try reader.string("venue"),
            symbols: try reader.nested([String].self, "symbols"),
            operator: try reader.string("operator"),
            issuedAt: try reader.timestamp("issuedAt")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the subscription command.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.commandId, "commandId")
        try writer.put(self.action, "action")
        try writer.put(self.venue, "venue")
        try writer.put(self.symbols, "symbols")
        try writer.put(self.operator, "operator")
        try writer.put(self.issuedAt, "issuedAt")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        guard (1...100).contains(self.symbols.count) else {
            throw rules.invalid("symbols", "symbols must hold 1 to 100 symbols")
        }
        guard Set(self.symbols).count == self.symbols.count else {
            throw rules.invalid("symbols", "symbols must not repeat a symbol")
        }
        for (index, symbol) in self.symbols.enumerated() { try rules.nested("symbols").symbol(symbol, String(index)) }
        try rules.text(self.operator, "operator", length: 1...64)
    }
}

/// What a `MarketSubscription` does.
public enum SubscriptionAction: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// Start streaming the symbols.
    case subscribe
    /// Stop streaming the symbols.
    case unsubscribe
}
