public import Foundation

/// A top-of-book quote. Topic `market.ticks`, keyed `venue:symbol`.
///
/// Schema `tick/v1`. Unknown fields are ignored when decoding.
public struct Tick: WireMessage, Hashable {
    /// `"tick"`.
    public static let schemaName = "tick"

    /// Venue id.
    public var venue: String
    /// Instrument as the venue names it.
    public var symbol: String
    /// Best bid (positive).
    public var bid: Decimal
    /// Best ask (positive).
    public var ask: Decimal
    /// Last traded price, where the venue reports one.
    public var last: Decimal?
    /// The venue's time of the quote.
    public var venueTime: Timestamp
    /// When the tick publisher received the quote.
    public var receivedAt: Timestamp
    /// Sequence number per Kafka key (`venue:symbol`), starting at 1.
    public var seq: Int64

    /// The Kafka key of this tick: `"<venue>:<symbol>"`.
    public var key: String { "\(self.venue):\(self.symbol)" }

    /// Creates a tick. Rules are checked when encoding.
    public init(
        venue: String,
        symbol: String,
        bid: Decimal,
        ask: Decimal,
        last: Decimal? = nil,
        venueTime: Timestamp,
        receivedAt: Timestamp,
        seq: Int64
    ) {
        self.venue = venue
        self.symbol = symbol
        self.bid = bid
        self.ask = ask
        self.last = last
        self.venueTime = venueTime
        self.receivedAt = receivedAt
        self.seq = seq
    }

    /// Decodes and validates a tick; unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            venue: try reader.string("venue"),
            symbol: try reader.string("symbol"),
            bid: try reader.decimal("bid", .positive),
            ask: try reader.decimal("ask", .positive),
            last: try reader.decimal(ifPresent: "last", .positive),
            venueTime: try reader.timestamp("venueTime"),
            receivedAt: try reader.timestamp("receivedAt"),
            seq: try reader.integer("seq")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the tick.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.venue, "venue")
        try writer.put(self.symbol, "symbol")
        try writer.put(self.bid, .positive, "bid")
        try writer.put(self.ask, .positive, "ask")
        try writer.put(self.last, .positive, "last")
        try writer.put(self.venueTime, "venueTime")
        try writer.put(self.receivedAt, "receivedAt")
        try writer.put(self.seq, "seq")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        try rules.symbol(self.symbol)
        try rules.decimal(self.bid, .positive, "bid")
        try rules.decimal(self.ask, .positive, "ask")
        try rules.decimal(self.last, .positive, "last")
        try rules.atLeast(self.seq, 1, "seq")
    }
}
