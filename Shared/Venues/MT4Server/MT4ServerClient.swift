import AsyncHTTPClient
public import Foundation
public import Logging
import Messages
import NIOCore
import NIOHTTP1
public import VenueKit

/// The MT4Server protocol module: orders, balance and quotes of one broker account through an MT4Server proxy.
///
/// Every request carries `Authorization: <JWT>` (no `Bearer`). A 403 makes the session fetch a new token once and
/// repeat the request (safe: the venue refused it before acting). Outcomes follow ``VenueOrderOutcome``: `-1` is a
/// rejection, a ticket an acceptance, and a timeout, lost connection, 5xx or unreadable reply after sending is
/// `unknown` and is never resent. Quote-only and unknown symbols are refused before any request is sent.
public final class MT4ServerClient: VenueOrderGateway, Sendable {
    public let venueID: String
    public let capabilities = VenueCapabilities(orderTypes: [.market], canCancel: false, hasBalance: true, hasTicks: true)
    let configuration: MT4ServerConfiguration
    let tokens: any VenueTokenSource
    let http: VenueHTTP
    let limiter: VenueRateLimiter
    let logger: Logger

    /// Creates a client for venue `venueID`.
    /// - Parameter tokens: where the JWT comes from (``MT4ServerLogin/tokenCache(configuration:apiKey:http:)`` or
    ///   the auth-token-broker's grants).
    public init(
        venueID: String, configuration: MT4ServerConfiguration, tokens: any VenueTokenSource,
        http: VenueHTTP = VenueHTTP(), logger: Logger
    ) throws(VenueError) {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "venue.name"] = "\(venueID)"
        self.venueID = venueID
        self.configuration = configuration
        self.tokens = tokens
        self.http = http
        self.limiter = VenueRateLimiter(rate: configuration.requestsPerSecond, burst: configuration.burst)
        self.logger = logger
    }

    // MARK: - Orders

    public func place(_ request: VenuePlaceRequest) async -> VenueOrderOutcome {
        if let refusal = self.configuration.symbols.tradingRefusal(for: request.symbol) { return .rejected(refusal) }
        guard request.orderType == .market else {
            return .rejected(.venue("order_type_unsupported", "MT4Server takes market orders only"))
        }
        guard request.quantity > 0 else { return .rejected(.venue("invalid_quantity", "quantity must be positive")) }
        let body = #"{"pair":"\#(request.symbol)","amount":\#(request.quantity.plainNumberText(scale: 18)),"op":"\#(request.side.rawValue)"}"#
        let result = await self.call(.POST, self.brokerPath("orders"), body: body, isIdempotent: false)
        switch result {
        case .response(let response) where response.status == 200:
            let text = response.body.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let ticket = Int64(text) else {
                return .unknown(.venue("unreadable_reply", "the venue's answer to the order is not a ticket"))
            }
            if ticket == -1 { return .rejected(.venue("venue_rejected", "the broker refused the order", venueCode: "-1")) }
            guard ticket > 0 else { return .unknown(.venue("unreadable_reply", "unexpected ticket \(ticket)")) }
            return .accepted(await self.acknowledgement(ticket: ticket))
        case .response(let response):
            return Self.classify(status: response.status, operation: "order")
        case .failure(let outcome):
            return outcome
        }
    }

    public func close(venueOrderID: String, quantity: Decimal?, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let ticket = Int64(venueOrderID), ticket > 0 else {
            return .rejected(.venue("invalid_order_id", "MT4Server tickets are positive integers"))
        }
        guard quantity == nil else {
            return .rejected(.venue("partial_close_unsupported", "MT4Server closes whole orders only"))
        }
        let result = await self.call(.DELETE, self.brokerPath("orders/\(ticket)"), body: nil, isIdempotent: false)
        switch result {
        case .response(let response) where response.status == 200:
            switch response.body.trimmingCharacters(in: .whitespacesAndNewlines) {
            case "true": return .accepted(VenueOrderAck(venueOrderID: String(ticket), venueTime: Date()))
            case "false": return .rejected(.venue("close_refused", "the broker did not close the order", venueCode: "false"))
            default: return .unknown(.venue("unreadable_reply", "the venue's answer to the close is not true/false"))
            }
        case .response(let response):
            return Self.classify(status: response.status, operation: "close")
        case .failure(let outcome):
            return outcome
        }
    }

    public func cancel(venueOrderID: String, idempotencyKey: String?) async -> VenueOrderOutcome {
        .rejected(.venue("unsupported", "MT4Server has no pending orders to cancel"))
    }

    public func openOrders() async throws(VenueError) -> [VenueOpenOrder] {
        let orders: [MT4ServerOrder] = try await self.read(self.brokerPath("orders"))
        return orders.map { order in
            VenueOpenOrder(
                venueOrderID: String(order.id), symbol: order.symbol, side: OrderSide(rawValue: order.orderType),
                quantity: order.size, price: order.price, profit: order.profit,
                openedAt: Date(timeIntervalSince1970: TimeInterval(order.date)))
        }
    }

    public func balance() async throws(VenueError) -> Decimal {
        let response = try await self.readResponse(self.brokerPath("balance"))
        guard let balance = Decimal(javaDouble: response.body) else {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "balance is not a number")
        }
        return balance
    }

    /// Current quotes over REST (`GET …/tickers?tickers=A,B`); all of the broker's symbols when `symbols` is empty.
    public func quotes(_ symbols: [String]) async throws(VenueError) -> [VenueQuote] {
        var path = self.brokerPath("tickers")
        if !symbols.isEmpty { path += "?tickers=" + symbols.joined(separator: ",") }
        let tickers: [MT4ServerTickerData] = try await self.read(path)
        let now = Date()
        return tickers.compactMap { $0.quote(receivedAt: now) }
    }

    // MARK: - Plumbing

    func brokerPath(_ rest: String) -> String { "exchanges/\(self.configuration.broker)/\(rest)" }

    /// After a ticket is returned, look the order up for its price and size (best effort: the ticket is the fact).
    private func acknowledgement(ticket: Int64) async -> VenueOrderAck {
        let orders = try? await self.openOrders()
        guard let order = orders?.first(where: { $0.venueOrderID == String(ticket) }) else {
            return VenueOrderAck(venueOrderID: String(ticket))
        }
        return VenueOrderAck(
            venueOrderID: order.venueOrderID, filledQuantity: order.quantity, averagePrice: order.price,
            venueTime: order.openedAt)
    }

    /// Status codes other than 200 after the token was already refreshed once.
    static func classify(status: Int, operation: String) -> VenueOrderOutcome {
        switch status {
        case 403: .rejected(.venue("unauthorized", "the venue refused the credentials", venueCode: "403"))
        case 500...599: .unknown(.venue("venue_error", "the venue failed while handling the \(operation)", venueCode: String(status)))
        default: .rejected(.venue("request_refused", "the venue refused the \(operation) request", venueCode: String(status)))
        }
    }
}
