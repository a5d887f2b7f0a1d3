public import Foundation
public import Messages

/// What a venue offers; the executor and the tick-publisher check these before calling.
public struct VenueCapabilities: Sendable, Hashable {
    /// Order types ``VenueOrderGateway/place(_:)`` accepts.
    public var orderTypes: Set<OrderType>
    /// Whether ``VenueOrderGateway/cancel(_:)`` exists (pending orders).
    public var canCancel: Bool
    /// Whether ``VenueOrderGateway/balance()`` exists.
    public var hasBalance: Bool
    /// Whether the venue streams quotes.
    public var hasTicks: Bool

    /// Creates a capability set.
    public init(orderTypes: Set<OrderType>, canCancel: Bool, hasBalance: Bool, hasTicks: Bool) {
        self.orderTypes = orderTypes
        self.canCancel = canCancel
        self.hasBalance = hasBalance
        self.hasTicks = hasTicks
    }
}

/// A request to open a position or place an order.
public struct VenuePlaceRequest: Sendable, Hashable {
    /// Our client order id (idempotency and lookup where the venue carries it).
    public var clientOrderID: String
    /// Instrument as the venue names it.
    public var symbol: String
    /// Buy or sell.
    public var side: OrderSide
    /// Quantity in the venue's unit.
    public var quantity: Decimal
    /// Market, limit or stop.
    public var orderType: OrderType
    /// Limit or stop price when the order type needs one.
    public var price: Decimal?
    /// Protective prices, where the venue supports them.
    public var stopLoss: Decimal?
    /// Take-profit price.
    public var takeProfit: Decimal?
    /// Venue-specific parameters (`extensions.<protocol>` of the command).
    public var extensions: JSONValue?
    /// A key that makes a repeated request a no-op at venues that honour one (CPlugin's `Idempotency-Key`); the
    /// executor passes the commandId, so a retry — even after a crash — can never trade twice.
    public var idempotencyKey: String?

    /// Creates a place request.
    public init(
        clientOrderID: String, symbol: String, side: OrderSide, quantity: Decimal, orderType: OrderType = .market,
        price: Decimal? = nil, stopLoss: Decimal? = nil, takeProfit: Decimal? = nil, extensions: JSONValue? = nil,
        idempotencyKey: String? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.orderType = orderType
        self.price = price
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
        self.extensions = extensions
    }
}

/// What the venue did with an order request, classified the way an order gateway must act on it.
public enum VenueOrderOutcome: Sendable, Hashable {
    /// The venue accepted (and for market orders usually filled) the order.
    case accepted(VenueOrderAck)
    /// The venue definitively refused, or the request provably never reached it: no order exists.
    case rejected(Reason)
    /// The order may or may not exist (timeout after sending, connection lost, 5xx, unreadable reply).
    /// Never resend it; reconcile against the venue.
    case unknown(Reason)

    /// Whether the outcome is certain.
    public var isCertain: Bool {
        if case .unknown = self { return false }
        return true
    }
}

/// The venue's acknowledgement of an accepted order.
public struct VenueOrderAck: Sendable, Hashable {
    /// The venue's order, position or ticket id.
    public var venueOrderID: String
    /// Quantity filled, when the venue says.
    public var filledQuantity: Decimal?
    /// Average fill price, when the venue says.
    public var averagePrice: Decimal?
    /// When the venue executed it, when it says.
    public var venueTime: Date?

    /// Creates an acknowledgement.
    public init(venueOrderID: String, filledQuantity: Decimal? = nil, averagePrice: Decimal? = nil, venueTime: Date? = nil) {
        self.venueOrderID = venueOrderID
        self.filledQuantity = filledQuantity
        self.averagePrice = averagePrice
        self.venueTime = venueTime
    }
}

/// An open order or position at the venue.
public struct VenueOpenOrder: Sendable, Hashable {
    /// The venue's id.
    public var venueOrderID: String
    /// Instrument.
    public var symbol: String
    /// Side, when the venue states it in a known form.
    public var side: OrderSide?
    /// Open quantity.
    public var quantity: Decimal
    /// Open price.
    public var price: Decimal
    /// Unrealised profit, when given.
    public var profit: Decimal?
    /// Open time, when given.
    public var openedAt: Date?

    /// Creates an open order.
    public init(
        venueOrderID: String, symbol: String, side: OrderSide?, quantity: Decimal, price: Decimal,
        profit: Decimal? = nil, openedAt: Date? = nil
    ) {
        self.venueOrderID = venueOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.profit = profit
        self.openedAt = openedAt
    }
}

/// A quote from a venue, normalised.
public struct VenueQuote: Sendable, Hashable {
    /// Instrument.
    public var symbol: String
    /// Best bid.
    public var bid: Decimal
    /// Best ask.
    public var ask: Decimal
    /// Last trade price, when given (0 means not given on MT4Server).
    public var last: Decimal?
    /// The venue's time of the quote, when given.
    public var venueTime: Date?
    /// When we received it.
    public var receivedAt: Date

    /// Creates a quote.
    public init(symbol: String, bid: Decimal, ask: Decimal, last: Decimal?, venueTime: Date?, receivedAt: Date) {
        self.symbol = symbol
        self.bid = bid
        self.ask = ask
        self.last = last
        self.venueTime = venueTime
        self.receivedAt = receivedAt
    }
}

/// The order operations every protocol maps onto. Implementations own their session and token refresh.
public protocol VenueOrderGateway: Sendable {
    /// The configured venue id.
    var venueID: String { get }
    /// What this venue offers.
    var capabilities: VenueCapabilities { get }
    /// Places an order. Never throws: every failure is classified into the outcome.
    func place(_ request: VenuePlaceRequest) async -> VenueOrderOutcome
    /// Closes an open position (fully, or `quantity` of it where supported). `idempotencyKey` as in
    /// ``VenuePlaceRequest/idempotencyKey``.
    func close(venueOrderID: String, quantity: Decimal?, idempotencyKey: String?) async -> VenueOrderOutcome
    /// Cancels a pending order.
    func cancel(venueOrderID: String, idempotencyKey: String?) async -> VenueOrderOutcome
    /// Open orders and positions.
    func openOrders() async throws(VenueError) -> [VenueOpenOrder]
    /// Account balance.
    func balance() async throws(VenueError) -> Decimal
    /// Looks for the order of an in-doubt place request (after an unknown outcome or a crash). Venues that carry our
    /// identifiers (cTrader's `clientOrderId` and comment, CPlugin's `Idempotency-Key`) answer exactly; the default
    /// matches the open orders by the fields every venue lists (``findOrderByFields(_:)``). Throws when the venue
    /// cannot be read.
    func findOrder(_ search: VenueOrderSearch) async throws(VenueError) -> VenueOrderSearchResult
}

extension VenueOrderGateway {
    /// Closes without an idempotency key.
    public func close(venueOrderID: String, quantity: Decimal?) async -> VenueOrderOutcome {
        await self.close(venueOrderID: venueOrderID, quantity: quantity, idempotencyKey: nil)
    }

    /// Cancels without an idempotency key.
    public func cancel(venueOrderID: String) async -> VenueOrderOutcome {
        await self.cancel(venueOrderID: venueOrderID, idempotencyKey: nil)
    }
}

/// What a market-data session reports: quotes, and when a symbol's stream goes down or comes back.
public enum VenueMarketEvent: Sendable, Hashable {
    /// A quote.
    case quote(VenueQuote)
    /// The stream carrying `symbol` delivers again (its first frame after connecting).
    case connected(symbol: String)
    /// The stream carrying `symbol` closed, failed or fell silent; it is being reopened.
    case disconnected(symbol: String, reason: String)
}

/// A quote stream for a set of symbols that reconnects and resubscribes by itself.
public protocol VenueMarketData: Sendable {
    /// Quotes and stream state for `symbols` until the task is cancelled. Gaps (reconnects) are not errors; the
    /// stream ends only by cancellation or when credentials are definitively refused.
    func marketEvents(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error>
}

extension VenueMarketData {
    /// Only the quotes of ``marketEvents(for:)``.
    public func quotes(for symbols: Set<String>) -> AsyncThrowingStream<VenueQuote, any Error> {
        let events = self.marketEvents(for: symbols)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: VenueQuote.self)
        let task = Task {
            do {
                for try await event in events {
                    if case .quote(let quote) = event { continuation.yield(quote) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

extension Reason {
    /// A reason with a snake_case code, a message safe to show, and the venue's own code when it gave one.
    public static func venue(_ code: String, _ message: String, venueCode: String? = nil) -> Reason {
        Reason(code: code, message: message, venueCode: venueCode)
    }
}

extension Decimal {
    /// Plain-notation text for a JSON number in a venue request (`0.11`, never an exponent), rounded to `scale`
    /// fraction digits.
    public func plainNumberText(scale: Int = 12) -> String {
        self.rounded(scale: scale).description
    }

    /// Rounded to `scale` fraction digits (plain rounding: halves away from zero).
    public func rounded(scale: Int) -> Decimal {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, scale, .plain)
        return rounded
    }

    /// The value as a 64-bit integer, when it is a whole number in range (no `Double` on the way).
    public var exactInt64: Int64? {
        guard self == self.rounded(scale: 0), self >= Decimal(Int64.min), self <= Decimal(Int64.max) else { return nil }
        return NSDecimalNumber(decimal: self).int64Value
    }
}
