public import Foundation

/// The outcome of an `OrderCommand`. Topic `orders.reports`, keyed by venue id.
///
/// Schema `execution-report/v1`. Each command gets exactly one report with ``isFinal`` set (the terminal one),
/// possibly preceded by non-final ones (for example `accepted`, `partially_filled`). Statuses `rejected`, `failed`,
/// `unknown` and `expired` require a ``reason``. Unknown fields are ignored when decoding.
public struct ExecutionReport: WireMessage, Hashable {
    /// `"execution-report"`.
    public static let schemaName = "execution-report"

    /// Unique id of this report.
    public var reportId: UUID
    /// The command this report answers.
    public var commandId: UUID
    /// The command's client order id.
    public var clientOrderId: String
    /// Venue id.
    public var venue: String
    /// The venue's order or position id, when known.
    public var venueOrderId: String?
    /// The command's action.
    public var action: OrderAction
    /// The order state.
    public var status: OrderStatus
    /// `true` on the one terminal report of a command (wire name `final`).
    public var isFinal: Bool
    /// Instrument, when known.
    public var symbol: String?
    /// Side, when known.
    public var side: OrderSide?
    /// Quantity filled so far (zero or more).
    public var filledQuantity: Decimal
    /// Volume-weighted average fill price, when anything filled.
    public var averagePrice: Decimal?
    /// Fees charged (negative for rebates).
    public var fee: Decimal?
    /// Currency of ``fee`` (3-12 characters).
    public var feeCurrency: String?
    /// Why; required for rejected, failed, unknown and expired.
    public var reason: Reason?
    /// When the executor received the command.
    public var receivedAt: Timestamp
    /// When the request left for the venue (absent when no venue call was made).
    public var sentAt: Timestamp?
    /// When the venue's answer arrived (absent when no venue call was made or none came).
    public var ackedAt: Timestamp?
    /// The venue's own time of the event, when it reports one.
    public var venueTime: Timestamp?
    /// When this report was published.
    public var reportedAt: Timestamp
    /// What was checked at the venue to settle an in-doubt command (always on a final `unknown`; on reconciled
    /// outcomes too).
    public var evidence: [ReportEvidence]
    /// On an operator's resolution of an `unknown` outcome: the `reportId` of the final `unknown` report it replaces.
    public var resolves: UUID?

    /// Creates a report. Rules are checked when encoding.
    public init(
        reportId: UUID,
        commandId: UUID,
        clientOrderId: String,
        venue: String,
        venueOrderId: String? = nil,
        action: OrderAction,
        status: OrderStatus,
        isFinal: Bool,
        symbol: String? = nil,
        side: OrderSide? = nil,
        filledQuantity: Decimal,
        averagePrice: Decimal? = nil,
        fee: Decimal? = nil,
        feeCurrency: String? = nil,
        reason: Reason? = nil,
        receivedAt: Timestamp,
        sentAt: Timestamp? = nil,
        ackedAt: Timestamp? = nil,
        venueTime: Timestamp? = nil,
        reportedAt: Timestamp,
        evidence: [ReportEvidence] = [],
        resolves: UUID? = nil
    ) {
        self.reportId = reportId
        self.commandId = commandId
        self.clientOrderId = clientOrderId
        self.venue = venue
        self.venueOrderId = venueOrderId
        self.action = action
        self.status = status
        self.isFinal = isFinal
        self.symbol = symbol
        self.side = side
        self.filledQuantity = filledQuantity
        self.averagePrice = averagePrice
        self.fee = fee
        self.feeCurrency = feeCurrency
        self.reason = reason
        self.receivedAt = receivedAt
        self.sentAt = sentAt
        self.ackedAt = ackedAt
        self.venueTime = venueTime
        self.reportedAt = reportedAt
        self.evidence = evidence
        self.resolves = resolves
    }
}

extension ExecutionReport {
    /// Decodes and validates a report; unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            reportId: try reader.uuid("reportId"),
            commandId: try reader.uuid("commandId"),
            clientOrderId: try reader.string("clientOrderId"),
            venue: try reader.string("venue"),
            venueOrderId: try reader.string(ifPresent: "venueOrderId"),
            action: try reader.value("action"),
            status: try reader.value("status"),
            isFinal: try reader.bool("final"),
            symbol: try reader.string(ifPresent: "symbol"),
            side: try reader.value(ifPresent: "side"),
            filledQuantity: try reader.decimal("filledQuantity", .nonNegative),
            averagePrice: try reader.decimal(ifPresent: "averagePrice", .positive),
            fee: try reader.decimal(ifPresent: "fee", .signed),
            feeCurrency: try reader.string(ifPresent: "feeCurrency"),
            reason: try reader.nested(ifPresent: "reason", as: Reason.self),
            receivedAt: try reader.timestamp("receivedAt"),
            sentAt: try reader.timestamp(ifPresent: "sentAt"),
            ackedAt: try reader.timestamp(ifPresent: "ackedAt"),
            venueTime: try reader.timestamp(ifPresent: "venueTime"),
            reportedAt: try reader.timestamp("reportedAt"),
            evidence: try reader.nested(ifPresent: "evidence", as: [ReportEvidence].self) ?? [],
            resolves: try reader.uuid(ifPresent: "resolves")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the report.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.reportId, "reportId")
        try writer.put(self.commandId, "commandId")
        try writer.put(self.clientOrderId, "clientOrderId")
        try writer.put(self.venue, "venue")
        try writer.put(self.venueOrderId, "venueOrderId")
        try writer.put(self.action, "action")
        try writer.put(self.status, "status")
        try writer.put(self.isFinal, "final")
        try writer.put(self.symbol, "symbol")
        try writer.put(self.side, "side")
        try writer.put(self.filledQuantity, .nonNegative, "filledQuantity")
        try writer.put(self.averagePrice, .positive, "averagePrice")
        try writer.put(self.fee, .signed, "fee")
        try writer.put(self.feeCurrency, "feeCurrency")
        try writer.put(self.reason, "reason")
        try writer.put(self.receivedAt, "receivedAt")
        try writer.put(self.sentAt, "sentAt")
        try writer.put(self.ackedAt, "ackedAt")
        try writer.put(self.venueTime, "venueTime")
        try writer.put(self.reportedAt, "reportedAt")
        try writer.put(self.evidence.isEmpty ? nil : self.evidence, "evidence")
        try writer.put(self.resolves, "resolves")
    }

    /// Checks every rule of `execution-report/v1` on the in-memory values.
    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.clientOrderID(self.clientOrderId)
        try rules.venueID(self.venue)
        try rules.text(self.venueOrderId, "venueOrderId", length: 1...64)
        try rules.symbol(self.symbol)
        try rules.decimal(self.filledQuantity, .nonNegative, "filledQuantity")
        try rules.decimal(self.averagePrice, .positive, "averagePrice")
        try rules.decimal(self.fee, .signed, "fee")
        try rules.text(self.feeCurrency, "feeCurrency", length: 3...12)
        try self.reason?.validate(rules.nested("reason"))
        guard self.evidence.count <= 20 else { throw rules.invalid("evidence", "at most 20 observations") }
        for (index, item) in self.evidence.enumerated() {
            try item.validate(rules.nested("evidence").nested(String(index)))
        }
        if self.status == .unknown, self.isFinal {
            try rules.require(!self.evidence.isEmpty, "evidence", when: "a final report's status is unknown")
        }
        if self.status.requiresReason {
            try rules.require(self.reason != nil, "reason", when: "status is \(self.status.rawValue)")
        }
    }
}
