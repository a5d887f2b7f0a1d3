import AsyncHTTPClient
public import Foundation
public import Logging
import Messages
import NIOCore
import NIOHTTP1
public import VenueKit

/// The Magnr protocol module (protocols.md §3): leveraged market trades on the exchanges Magnr routes to.
///
/// Every request is signed (``MagnrSignature``) with a fresh tonce from ``MagnrTonceSource``, and requests of one
/// client go out strictly one after another (``AsyncSerialGate``), so the venue sees tonces in increasing order and
/// never refuses one as a replay. The session material is the key pair as `public:private` (Magnr has no tokens); a
/// 401 asks the key source once for newer keys. A 400 that names the tonce is repeated once with a new tonce (the
/// venue refused it before acting). 400, 404 and 409 are definitive refusals; 500, 504, timeouts and lost
/// connections are `unknown` and never resent.
///
/// Magnr has no balance and no quote endpoint (protocols.md §3.4): ``capabilities`` says so, ``balance()`` throws
/// `unsupported`, and ``marketEvents(for:)`` ends at once with `unsupported`.
public final class MagnrClient: VenueOrderGateway, VenueMarketData, Sendable {
    public let venueID: String
    public let capabilities = VenueCapabilities(orderTypes: [.market], canCancel: false, hasBalance: false, hasTicks: false)
    let configuration: MagnrConfiguration
    let keys: any VenueTokenSource
    let tonces: MagnrTonceSource
    let http: VenueHTTP
    let limiter: VenueRateLimiter
    let gate = AsyncSerialGate()
    let logger: Logger

    /// Creates a client for venue `venueID`.
    /// - Parameters:
    ///   - keys: the key pair as a token `public:private` (``MagnrKeys/source(publicKey:privateKey:)`` or the
    ///     auth-token-broker's grants).
    ///   - tonces: the tonce source of this key (one per key and process).
    public init(
        venueID: String, configuration: MagnrConfiguration, keys: any VenueTokenSource, tonces: MagnrTonceSource = MagnrTonceSource(),
        http: VenueHTTP = VenueHTTP(), logger: Logger
    ) throws(VenueError) {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "venue.name"] = "\(venueID)"
        self.venueID = venueID
        self.configuration = configuration
        self.keys = keys
        self.tonces = tonces
        self.http = http
        self.limiter = VenueRateLimiter(rate: configuration.requestsPerSecond, burst: configuration.burst)
        self.logger = logger
    }

    // MARK: - Orders

    /// `POST /trades/` with side, size, exchange, pair, leverage and the optional stop margin and take (from
    /// `extensions.magnr` or the venue defaults) → 201 `{id}`. The trade is then watched until it is open (filled at
    /// `open_price`) for up to ``MagnrConfiguration/fillWait``; a trade still pending is reported accepted, unfilled.
    public func place(_ request: VenuePlaceRequest) async -> VenueOrderOutcome {
        if let refusal = self.configuration.symbols.tradingRefusal(for: request.symbol) { return .rejected(refusal) }
        guard request.orderType == .market else {
            return .rejected(.venue("order_type_unsupported", "Magnr takes market orders only"))
        }
        guard request.quantity > 0 else { return .rejected(.venue("invalid_quantity", "size must be positive")) }
        let parameters: MagnrOrderParameters
        switch MagnrOrderParameters.make(request.extensions, defaults: self.configuration) {
        case .success(let made): parameters = made
        case .failure(let refusal): return .rejected(refusal.reason)
        }
        var body = #"{"side":"\#(request.side.rawValue)","size":\#(request.quantity.plainNumberText()),"#
            + #""exchange":"\#(parameters.exchange)","pair":"\#(request.symbol)","leverage":\#(parameters.leverage),"type":"market""#
        if let stop = parameters.stopMargin { body += #","stop_margin":\#(stop.plainNumberText())"# }
        if let take = parameters.take { body += #","take":\#(take.plainNumberText())"# }
        body += "}"
        let result = await self.signed(.POST, "trades/", body: body, repeatable: false)
        switch result {
        case .failure(let outcome):
            return outcome
        case .response(let response) where response.status == 201:
            guard let answer = try? JSONDecoder().decode(MagnrIDAnswer.self, from: Data(response.body.utf8)) else {
                return .unknown(.venue("unreadable_reply", "the venue's answer to the trade has no id"))
            }
            guard let trade = await self.watch(answer.id, until: { $0.status != "pending" }),
                trade.status != "pending", let price = trade.openPrice
            else {
                return .accepted(VenueOrderAck(venueOrderID: answer.id, venueTime: Date()))
            }
            return .accepted(VenueOrderAck(
                venueOrderID: answer.id, filledQuantity: trade.size, averagePrice: price,
                venueTime: trade.createdAt.map { Date(timeIntervalSince1970: TimeInterval($0)) }))
        case .response(let response):
            return Self.classify(response, operation: "trade")
        }
    }

    /// `DELETE /trades/{id}/` (liquidate) → 200 `{id}`. A 409 while the trade is still pending is not a failure of
    /// the command: the liquidation is repeated with backoff for up to ``MagnrConfiguration/liquidateRetryWindow``.
    public func close(venueOrderID: String, quantity: Decimal?, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let id = Int64(venueOrderID), id > 0 else {
            return .rejected(.venue("invalid_order_id", "Magnr trade ids are positive integers"))
        }
        guard quantity == nil else {
            return .rejected(.venue("partial_close_unsupported", "Magnr liquidates whole trades only"))
        }
        let deadline = ContinuousClock.now + self.configuration.liquidateRetryWindow
        var backoff = ExponentialBackoff(initial: .milliseconds(250), maximum: .seconds(5))
        while true {
            let result = await self.signed(.DELETE, "trades/\(id)/", body: nil, repeatable: false)
            switch result {
            case .failure(let outcome):
                return outcome
            case .response(let response) where response.status == 200:
                let trade = await self.watch(String(id), until: { $0.status == "closed" || $0.status == "settled" })
                return .accepted(VenueOrderAck(
                    venueOrderID: String(id), filledQuantity: trade?.size, averagePrice: trade?.closePrice,
                    venueTime: trade?.closedAt.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()))
            case .response(let response) where response.status == 409:
                let delay = backoff.next()
                guard ContinuousClock.now + delay < deadline, !Task.isCancelled else {
                    return .rejected(.venue(
                        "trade_pending", "the trade stayed pending; liquidation refused: \(MagnrErrors.message(in: response.body))",
                        venueCode: "409"))
                }
                self.logger.info("Liquidation refused while the trade is pending; retrying", metadata: ["order.venue_id": "\(id)"])
                try? await Task.sleep(for: delay)
            case .response(let response):
                return Self.classify(response, operation: "liquidation")
            }
        }
    }

    public func cancel(venueOrderID: String, idempotencyKey: String?) async -> VenueOrderOutcome {
        .rejected(.venue("unsupported", "Magnr has no pending orders to cancel"))
    }

    /// `GET /trades/` filtered to pending and open trades.
    public func openOrders() async throws(VenueError) -> [VenueOpenOrder] {
        let list: MagnrTradeList = try await self.read("trades/")
        return list.trades.filter(\.isLive).map { trade in
            VenueOpenOrder(
                venueOrderID: trade.id, symbol: trade.pair ?? "", side: OrderSide(rawValue: trade.side), quantity: trade.size,
                price: trade.openPrice ?? 0, profit: trade.profit,
                openedAt: trade.createdAt.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    /// Magnr publishes no balance endpoint.
    public func balance() async throws(VenueError) -> Decimal {
        throw VenueError(.unsupported, venue: self.venueID, reason: "Magnr has no balance endpoint")
    }

    /// Magnr has no quotes: the stream ends at once with `unsupported`.
    public func marketEvents(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.finish(throwing: VenueError(.unsupported, venue: self.venueID, reason: "Magnr publishes no quotes"))
        }
    }

    // MARK: - Plumbing

    /// Polls `GET /trades/{id}/` until `done` holds or ``MagnrConfiguration/fillWait`` passes.
    private func watch(_ id: String, until done: (MagnrTrade) -> Bool) async -> MagnrTrade? {
        let deadline = ContinuousClock.now + self.configuration.fillWait
        var last: MagnrTrade?
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if let answer: MagnrTradeAnswer = try? await self.read("trades/\(id)/") {
                last = answer.trade
                if done(answer.trade) { return answer.trade }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    static func classify(_ response: VenueHTTPResponse, operation: String) -> VenueOrderOutcome {
        let message = MagnrErrors.message(in: response.body)
        let code = String(response.status)
        switch response.status {
        case 400: return .rejected(.venue("invalid_request", "the venue refused the \(operation): \(message)", venueCode: code))
        case 401, 403: return .rejected(.venue("unauthorized", "the venue refused the signature: \(message)", venueCode: code))
        case 404: return .rejected(.venue("not_found", "no such trade: \(message)", venueCode: code))
        case 409: return .rejected(.venue("conflict", "the account's state refused the \(operation): \(message)", venueCode: code))
        case 429: return .rejected(.venue("rate_limited", "the venue's rate limit refused the \(operation)", venueCode: code))
        case 500...599: return .unknown(.venue("venue_error", "the venue failed during the \(operation): \(message)", venueCode: code))
        default: return .rejected(.venue("request_refused", "the venue refused the \(operation): \(message)", venueCode: code))
        }
    }
}

/// An order's venue parameters: `extensions.magnr` over the venue defaults.
struct MagnrOrderParameters {
    var exchange: String
    var leverage: Int
    var stopMargin: Decimal?
    var take: Decimal?

    struct Refusal: Error { var reason: Reason }

    static func make(_ extensions: JSONValue?, defaults: MagnrConfiguration) -> Result<Self, Refusal> {
        var parameters = Self(
            exchange: defaults.exchange, leverage: defaults.leverage, stopMargin: defaults.stopMargin, take: defaults.take)
        guard let extensions else { return .success(parameters) }
        guard case .object(let object) = extensions else {
            return .failure(Refusal(reason: .venue("invalid_extensions", "extensions.magnr must be an object")))
        }
        for (key, value) in object {
            switch (key, value) {
            case ("exchange", .string(let exchange)) where MagnrConfiguration.exchanges.contains(exchange):
                parameters.exchange = exchange
            case ("leverage", .number(let leverage)) where MagnrConfiguration.leverages.contains(Int(truncating: leverage as NSNumber)):
                parameters.leverage = Int(truncating: leverage as NSNumber)
            case ("stop_margin", .string(let text)), ("take", .string(let text)):
                guard let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), amount > 0 else {
                    return .failure(Refusal(reason: .venue(
                        "invalid_extensions", "extensions.magnr.\(key) must be a positive decimal string")))
                }
                if key == "take" { parameters.take = amount } else { parameters.stopMargin = amount }
            default:
                return .failure(Refusal(reason: .venue(
                    "invalid_extensions",
                    "extensions.magnr.\(key) is not one of exchange (Bitstamp, ItBit, Bitfinex, LOCAL), leverage (10, 5, 2), stop_margin, take")))
            }
        }
        return .success(parameters)
    }
}
