public import Foundation
public import ServiceLifecycle

/// One simulated trading venue served by ``VenueSimulator`` (MT4Server, CPlugin, Magnr, Deriv and cTrader).
///
/// A venue owns its listener and state. The admin API is generic over this protocol: every venue gets
/// `GET /<name>/orders`, `GET /<name>/requests`, `GET|POST /<name>/faults`, `GET /<name>/status` and
/// `POST /<name>/reset` without touching the admin plumbing. To add a venue, conform a type and add it to
/// ``VenueSimulator/init(configuration:venues:logger:)`` (or to the default list in ``VenueSimulator``).
public protocol SimulatedVenue: AnyObject, Sendable {
    /// Protocol name: the admin path prefix and the listener name printed by `venue-sim` (`mt4server`, `cplugin`,
    /// `magnr`, `deriv`, `ctrader`).
    var name: String { get }
    /// Host the venue listens on.
    var host: String { get }
    /// Port the venue listens on (0 picks a free port).
    var port: Int { get }
    /// Fault settings, consulted by the venue for every request.
    var faults: VenueFaultInjector { get }
    /// Every request the venue received.
    var requestLog: VenueRequestLog { get }

    /// The services that serve the venue (its server and any background work). The server must call
    /// `onListening` with its bound port once it accepts connections.
    func makeServices(onListening: @escaping @Sendable (Int) -> Void) -> [any Service]

    /// Every order the venue accepted since the last reset, open and closed, oldest first.
    func acceptedOrders() -> [SimulatedOrderRecord]

    /// Performs a one-shot fault action; returns how many things it affected (connections dropped,
    /// tokens invalidated), or `nil` when the venue does not support the action.
    func perform(_ action: VenueFaultAction) -> Int?

    /// Venue-specific live counters for `GET /<name>/status` (for example open WebSockets).
    func status() -> [String: Int]

    /// Clears orders, balances and withheld responses (the admin API also clears the request log and faults).
    func reset()

    /// Called when graceful shutdown starts: release withheld responses so that connections can close.
    func beginShutdown()
}

/// An order a simulated venue accepted (`GET /<venue>/orders` on the admin API).
///
/// JSON: `{"broker":"ava","ticket":10000001,"pair":"BTCUSD","amount":"0.11","op":"buy","status":"open",
/// "openedAt":"…","openPrice":"60012.5","responseWithheld":false,"closedAt":null,"closePrice":null,"profit":null,
/// "reference":null}`.
/// Decimal values are strings so that no precision is lost; `profit` is the realised profit once closed.
public struct SimulatedOrderRecord: Sendable, Hashable, Encodable {
    /// Broker id (MT4Server) or account the order belongs to.
    public var broker: String
    /// The venue's order ticket.
    public var ticket: Int64
    /// Instrument.
    public var pair: String
    /// Quantity exactly as received.
    public var amount: Decimal
    /// `buy` or `sell`.
    public var op: String
    /// `open` or `closed`.
    public var status: String
    /// When the venue accepted the order.
    public var openedAt: Date
    /// Fill price.
    public var openPrice: Decimal
    /// Whether the venue withheld the response to the placing request (the `hangOrders` fault).
    public var responseWithheld: Bool
    /// When the order was closed.
    public var closedAt: Date?
    /// Closing price.
    public var closePrice: Decimal?
    /// Realised profit in account currency, once closed.
    public var profit: Decimal?
    /// What the client attached to find the order again (cTrader: the order comment), or `nil`.
    public var reference: String?

    /// Creates a record.
    public init(
        broker: String, ticket: Int64, pair: String, amount: Decimal, op: String, status: String, openedAt: Date,
        openPrice: Decimal, responseWithheld: Bool, closedAt: Date? = nil, closePrice: Decimal? = nil,
        profit: Decimal? = nil, reference: String? = nil
    ) {
        (self.broker, self.ticket, self.pair, self.amount, self.op) = (broker, ticket, pair, amount, op)
        (self.status, self.openedAt, self.openPrice, self.responseWithheld) = (
            status, openedAt, openPrice, responseWithheld
        )
        (self.closedAt, self.closePrice, self.profit, self.reference) = (closedAt, closePrice, profit, reference)
    }

    private enum CodingKeys: String, CodingKey {
        case broker, ticket, pair, amount, op, status, openedAt, openPrice, responseWithheld, closedAt, closePrice,
            profit, reference
    }

    /// Encodes decimals as strings, dates as ISO 8601 with milliseconds and absent values as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.broker, forKey: .broker)
        try container.encode(self.ticket, forKey: .ticket)
        try container.encode(self.pair, forKey: .pair)
        try container.encode(self.amount.description, forKey: .amount)
        try container.encode(self.op, forKey: .op)
        try container.encode(self.status, forKey: .status)
        try container.encode(self.openedAt.simulatorTimestamp, forKey: .openedAt)
        try container.encode(self.openPrice.description, forKey: .openPrice)
        try container.encode(self.responseWithheld, forKey: .responseWithheld)
        try container.encode(self.closedAt?.simulatorTimestamp, forKey: .closedAt)
        try container.encode(self.closePrice?.description, forKey: .closePrice)
        try container.encode(self.profit?.description, forKey: .profit)
        try container.encode(self.reference, forKey: .reference)
    }
}
