public import Foundation

/// A request to place, close or cancel an order at one venue. Topic `orders.commands`, keyed by venue id.
///
/// Schema `order-command/v1`. Commands reject unknown fields. Rules beyond field types:
/// - `place` requires `symbol`, `side`, `quantity` and `orderType`;
/// - `limit` requires `limitPrice`, `stop` requires `stopPrice`, `market` carries neither;
/// - `close` and `cancel` may name `symbol` and a partial `quantity`.
public struct OrderCommand: WireMessage, Hashable {
    /// `"order-command"`.
    public static let schemaName = "order-command"

    /// Idempotency key: a command id is executed at most once.
    public var commandId: UUID
    /// Place, close or cancel.
    public var action: OrderAction
    /// Venue id (`^[a-z0-9][a-z0-9._-]{0,63}$`), also the Kafka key.
    public var venue: String
    /// The upstream's order id (1-64 of `A-Za-z0-9._:-`); for close/cancel, the order to act on.
    public var clientOrderId: String
    /// The venue's order or position id, when known (1-64 characters).
    public var venueOrderId: String?
    /// Instrument as the venue names it (1-32 of `A-Za-z0-9._/#*-`). Required for place.
    public var symbol: String?
    /// Buy or sell. Required for place.
    public var side: OrderSide?
    /// Positive quantity in venue units (lots, units, stake). Required for place; partial close when set on close.
    public var quantity: Decimal?
    /// Market, limit or stop. Required for place.
    public var orderType: OrderType?
    /// Limit price; required for limit orders, forbidden for market orders.
    public var limitPrice: Decimal?
    /// Stop trigger price; required for stop orders, forbidden for market orders.
    public var stopPrice: Decimal?
    /// Protective stop-loss price attached to the position.
    public var stopLoss: Decimal?
    /// Take-profit price attached to the position.
    public var takeProfit: Decimal?
    /// Leverage, where the venue lets the order choose it.
    public var leverage: Decimal?
    /// The command must not be executed after this time.
    public var expiresAt: Timestamp?
    /// When the upstream created the command.
    public var createdAt: Timestamp
    /// Upstream system id (1-64 characters).
    public var source: String
    /// Venue-specific extras, one JSON object per protocol (`extensions.deriv`, …).
    public var extensions: [VenueProtocol: JSONValue]?

    /// Creates a command. Rules are checked when encoding (``WireFormat/encode(_:)``).
    public init(
        commandId: UUID,
        action: OrderAction,
        venue: String,
        clientOrderId: String,
        venueOrderId: String? = nil,
        symbol: String? = nil,
        side: OrderSide? = nil,
        quantity: Decimal? = nil,
        orderType: OrderType? = nil,
        limitPrice: Decimal? = nil,
        stopPrice: Decimal? = nil,
        stopLoss: Decimal? = nil,
        takeProfit: Decimal? = nil,
        leverage: Decimal? = nil,
        expiresAt: Timestamp? = nil,
        createdAt: Timestamp,
        source: String,
        extensions: [VenueProtocol: JSONValue]? = nil
    ) {
        self.commandId = commandId
        self.action = action
        self.venue = venue
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.orderType = orderType
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
        self.leverage = leverage
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.source = source
        self.extensions = extensions
    }
}
