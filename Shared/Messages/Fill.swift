public import Foundation

/// One execution (trade) at a venue. Topic `orders.fills`, keyed by venue id.
///
/// Schema `fill/v1`. Unknown fields are ignored when decoding.
public struct Fill: WireMessage, Hashable {
    /// `"fill"`.
    public static let schemaName = "fill"

    /// The venue's trade id (or a derived unique id), 1-128 characters.
    public var fillId: String
    /// The command that caused the fill.
    public var commandId: UUID
    /// The command's client order id.
    public var clientOrderId: String
    /// Venue id.
    public var venue: String
    /// The venue's order or position id.
    public var venueOrderId: String
    /// Instrument.
    public var symbol: String
    /// Buy or sell.
    public var side: OrderSide
    /// Filled quantity (positive).
    public var quantity: Decimal
    /// Fill price (positive).
    public var price: Decimal
    /// Fee for this fill (negative for rebates).
    public var fee: Decimal?
    /// Currency of ``fee`` (3-12 characters).
    public var feeCurrency: String?
    /// When the venue executed the trade.
    public var time: Timestamp
    /// When this fill was published.
    public var reportedAt: Timestamp

    /// Creates a fill. Rules are checked when encoding.
    public init(
        fillId: String,
        commandId: UUID,
        clientOrderId: String,
        venue: String,
        venueOrderId: String,
        symbol: String,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal? = nil,
        feeCurrency: String? = nil,
        time: Timestamp,
        reportedAt: Timestamp
    ) {
        self.fillId = fillId
        self.commandId = commandId
        self.clientOrderId = clientOrderId
        self.venue = venue
        self.venueOrderId = venueOrderId
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.feeCurrency = feeCurrency
        self.time = time
        self.reportedAt = reportedAt
    }

    /// Decodes and validates a fill; unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            fillId: try reader.string("fillId"),
            commandId: try reader.uuid("commandId"),
            clientOrderId: try reader.string("clientOrderId"),
            venue: try reader.string("venue"),
            venueOrderId: try reader.string("venueOrderId"),
            symbol: try reader.string("symbol"),
            side: try reader.value("side"),
            quantity: try reader.decimal("quantity", .positive),
            price: try reader.decimal("price", .positive),
            fee: try reader.decimal(ifPresent: "fee", .signed),
            feeCurrency: try reader.string(ifPresent: "feeCurrency"),
            time: try reader.timestamp("time"),
            reportedAt: try reader.timestamp("reportedAt")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the fill.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.fillId, "fillId")
        try writer.put(self.commandId, "commandId")
        try writer.put(self.clientOrderId, "clientOrderId")
        try writer.put(self.venue, "venue")
        try writer.put(self.venueOrderId, "venueOrderId")
        try writer.put(self.symbol, "symbol")
        try writer.put(self.side, "side")
        try writer.put(self.quantity, .positive, "quantity")
        try writer.put(self.price, .positive, "price")
        try writer.put(self.fee, .signed, "fee")
        try writer.put(self.feeCurrency, "feeCurrency")
        try writer.put(self.time, "time")
        try writer.put(self.reportedAt, "reportedAt")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.text(self.fillId, "fillId", length: 1...128)
        try rules.clientOrderID(self.clientOrderId)
        try rules.venueID(self.venue)
        try rules.text(self.venueOrderId, "venueOrderId", length: 1...64)
        try rules.symbol(self.symbol)
        try rules.decimal(self.quantity, .positive, "quantity")
        try rules.decimal(self.price, .positive, "price")
        try rules.decimal(self.fee, .signed, "fee")
        try rules.text(self.feeCurrency, "feeCurrency", length: 3...12)
    }
}
