import AsyncHTTPClient
public import Foundation
public import Logging
import Messages
import NIOCore
import NIOHTTP1
public import VenueKit

/// The CPlugin WebAPI protocol module (protocols.md §2): market orders, closes, open trades and balance of one MT4
/// login through the v2 REST API, and quotes from the SignalR hub (see ``marketEvents(for:)``).
///
/// Every request carries `Authorization: Bearer <token>`; a 401 makes the session fetch a new token once and repeat
/// the request (the API refused it before acting). Every answer is HTTP 200 with the `{data, error, meta}` envelope:
/// an `error` is classified by ``CPluginErrorMapping`` into a definitive rejection or an `unknown`. Trade
/// transactions carry an `Idempotency-Key` (the commandId), which makes them safe to repeat: a transaction whose
/// answer was lost is sent again with the same key and the API returns the first answer instead of trading twice.
public final class CPluginClient: VenueOrderGateway, Sendable {
    public let venueID: String
    public let capabilities = VenueCapabilities(orderTypes: [.market], canCancel: true, hasBalance: true, hasTicks: true)
    let configuration: CPluginConfiguration
    let logger: Logger
    let rest: CPluginREST
    let hub: CPluginHub

    /// Creates a client for venue `venueID`.
    /// - Parameter tokens: where the bearer token comes from (``CPluginLogin/tokenCache(configuration:clientSecret:http:)``
    ///   or the auth-token-broker's grants).
    public init(
        venueID: String, configuration: CPluginConfiguration, tokens: any VenueTokenSource,
        http: VenueHTTP = VenueHTTP(), logger: Logger
    ) throws(VenueError) {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "venue.name"] = "\(venueID)"
        self.venueID = venueID
        self.configuration = configuration
        self.logger = logger
        let rest = CPluginREST(
            venueID: venueID, configuration: configuration, tokens: tokens, http: http,
            limiter: VenueRateLimiter(rate: configuration.requestsPerSecond, burst: configuration.burst), logger: logger)
        self.rest = rest
        self.hub = CPluginHub(
            configuration: configuration, tokens: tokens, http: http, venueID: venueID, logger: logger,
            fallback: { symbol in try await rest.lastQuote(symbol) })
    }

    // MARK: - Orders

    /// `OpenMarket` + `Buy`/`Sell` for the configured login; `volume` = lots × 100; the ticket is `data.order`.
    /// The comment carries the client order id (MT4 keeps 31 characters), so the order can be found again.
    public func place(_ request: VenuePlaceRequest) async -> VenueOrderOutcome {
        if !self.configuration.symbols.tradable.isEmpty,
            let refusal = self.configuration.symbols.tradingRefusal(for: request.symbol)
        {
            return .rejected(refusal)
        }
        guard request.orderType == .market else {
            return .rejected(.venue("order_type_unsupported", "CPlugin orders are market orders here"))
        }
        guard let volume = Self.volume(lots: request.quantity) else {
            return .rejected(.venue("invalid_quantity", "quantity must be a positive multiple of 0.01 lots"))
        }
        let transaction = CPluginTradeTransaction(
            type: "OpenMarket", command: request.side == .buy ? "Buy" : "Sell", symbol: request.symbol, volume: volume,
            orderBy: self.configuration.login, sl: request.stopLoss ?? 0, tp: request.takeProfit ?? 0,
            comment: String(request.clientOrderID.prefix(31)))
        switch await self.rest.transact(transaction, idempotencyKey: request.idempotencyKey) {
        case .success(let answer):
            guard answer.order > 0 else {
                return .unknown(.venue("unreadable_reply", "the venue accepted the order without a ticket"))
            }
            return .accepted(VenueOrderAck(
                venueOrderID: String(answer.order), filledQuantity: request.quantity,
                averagePrice: answer.price > 0 ? answer.price : nil, venueTime: Date()))
        case .failure(let outcome):
            return outcome
        }
    }

    /// `CloseMarket` with the opposite command and the ticket in `order`; the trade is read first for its side,
    /// symbol and volume (a close of a ticket the login does not hold is refused without a transaction).
    public func close(venueOrderID: String, quantity: Decimal?, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let ticket = Int32(venueOrderID), ticket > 0 else {
            return .rejected(.venue("invalid_order_id", "CPlugin tickets are positive 32-bit integers"))
        }
        let trade: CPluginTrade
        do {
            trade = try await self.rest.read("TradeRecordGet/\(ticket)")
        } catch {
            if error.code == .rejected { return .rejected(.venue("not_found", error.reason)) }
            return .rejected(.venue("venue_unreachable", "the trade could not be read before closing: \(error.reason)"))
        }
        guard trade.login == self.configuration.login, trade.isOpen, let symbol = trade.symbol,
            let command = trade.tradeCommand, ["Buy", "Sell"].contains(command)
        else {
            return .rejected(.venue("not_open", "ticket \(ticket) is not an open position of this login"))
        }
        var volume = trade.volume
        if let quantity {
            guard let partial = Self.volume(lots: quantity), partial <= trade.volume else {
                return .rejected(.venue("invalid_quantity", "close quantity must be 0.01 lots up to the open volume"))
            }
            volume = partial
        }
        let transaction = CPluginTradeTransaction(
            type: "CloseMarket", command: command == "Buy" ? "Sell" : "Buy", symbol: symbol, volume: volume,
            order: ticket, orderBy: self.configuration.login)
        switch await self.rest.transact(transaction, idempotencyKey: idempotencyKey) {
        case .success(let answer):
            return .accepted(VenueOrderAck(
                venueOrderID: String(ticket), filledQuantity: Decimal(Int(volume)) / 100,
                averagePrice: answer.price > 0 ? answer.price : nil, venueTime: Date()))
        case .failure(let outcome):
            return outcome
        }
    }

    /// `DeletePending` with the ticket in `order`.
    public func cancel(venueOrderID: String, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let ticket = Int32(venueOrderID), ticket > 0 else {
            return .rejected(.venue("invalid_order_id", "CPlugin tickets are positive 32-bit integers"))
        }
        let transaction = CPluginTradeTransaction(
            type: "DeletePending", command: "Buy", symbol: "", volume: 0, order: ticket, orderBy: self.configuration.login)
        switch await self.rest.transact(transaction, idempotencyKey: idempotencyKey) {
        case .success: return .accepted(VenueOrderAck(venueOrderID: String(ticket), venueTime: Date()))
        case .failure(let outcome): return outcome
        }
    }

    /// Open trades of the login (`TradesGetByLogin/{login}/{group}`; the group from the configuration or
    /// `UserRecordGet`).
    public func openOrders() async throws(VenueError) -> [VenueOpenOrder] {
        let group = try await self.group()
        let trades: [CPluginTrade] = try await self.rest.read("TradesGetByLogin/\(self.configuration.login)/\(Self.pathEscaped(group))")
        return trades.filter { $0.isOpen && $0.login == self.configuration.login }.map { trade in
            let side: OrderSide? = switch trade.tradeCommand {
            case "Buy": .buy
            case "Sell": .sell
            default: nil
            }
            return VenueOpenOrder(
                venueOrderID: String(trade.order), symbol: trade.symbol ?? "", side: side,
                quantity: Decimal(Int(trade.volume)) / 100, price: trade.openPrice, profit: trade.profit,
                openedAt: trade.openTime.flatMap { try? Timestamp(rfc3339String: $0).date })
        }
    }

    /// The trades of the login whose comment is `clientOrderID` (as ``place(_:)`` writes it), for reconciliation.
    public func openOrders(clientOrderID: String) async throws(VenueError) -> [VenueOpenOrder] {
        let group = try await self.group()
        let trades: [CPluginTrade] = try await self.rest.read("TradesGetByLogin/\(self.configuration.login)/\(Self.pathEscaped(group))")
        let ids = Set(trades.filter { $0.comment == String(clientOrderID.prefix(31)) }.map { String($0.order) })
        return try await self.openOrders().filter { ids.contains($0.venueOrderID) }
    }

    /// First the open trades whose comment is the client order id (opened since the intent, not claimed by another
    /// command); when none is there, the request is sent again under its `Idempotency-Key`: the venue answers a key
    /// it has seen with the envelope it cached (the order it opened, or its refusal) and trades only if the first
    /// request never arrived, so either way exactly one order exists. No replay once the command may no longer
    /// trade (``VenueOrderSearch/mayReplay``).
    public func findOrder(_ search: VenueOrderSearch) async throws(VenueError) -> VenueOrderSearchResult {
        let comment = String(search.request.clientOrderID.prefix(31))
        let marked = try await self.openOrders(clientOrderID: search.request.clientOrderID).filter {
            !search.excluding.contains($0.venueOrderID) && ($0.openedAt ?? .distantFuture) >= search.notBefore
        }
        let listed = Self.match(search, among: marked, check: "cplugin.trades-by-comment", observedAt: Date())
        switch listed {
        case .found, .ambiguous, .notPlaced:
            return listed
        case .notFound:
            guard search.mayReplay, let key = search.request.idempotencyKey else {
                return .notFound(VenueEvidence(
                    check: "cplugin.trades-by-comment",
                    finding: "no open trade of login \(self.configuration.login) carries comment \(comment) since \(Timestamp(date: search.notBefore))"))
            }
            switch await self.place(search.request) {
            case .accepted(let ack):
                return .found(ack, VenueEvidence(
                    check: "cplugin.idempotent-replay",
                    finding: "TradeTransaction replayed with Idempotency-Key \(key) answered ticket \(ack.venueOrderID)",
                    candidates: [ack.venueOrderID]))
            case .rejected(let reason):
                return .notPlaced(reason, VenueEvidence(
                    check: "cplugin.idempotent-replay",
                    finding: "TradeTransaction replayed with Idempotency-Key \(key) was refused: \(reason.code)"))
            case .unknown(let reason):
                throw VenueError(
                    .unreachable, venue: self.venueID,
                    reason: "the replay under Idempotency-Key \(key) had no certain answer: \(reason.message)")
            }
        }
    }

    /// The balance from `MarginLevelGet/{login}`.
    public func balance() async throws(VenueError) -> Decimal {
        let level: CPluginMarginLevel = try await self.rest.read("MarginLevelGet/\(self.configuration.login)")
        return level.balance
    }

    /// The last quote of `symbol` over REST (`TickInfoLast/{symbol}`): the fallback when the hub is not streaming.
    public func lastQuote(_ symbol: String) async throws(VenueError) -> VenueQuote {
        try await self.rest.lastQuote(symbol)
    }

    // MARK: - Plumbing

    /// Lots to MT4 volume (× 100), refusing what is not a whole number of 0.01 lots or does not fit an `Int32`.
    static func volume(lots: Decimal) -> Int32? {
        let scaled = lots * 100
        var value = scaled
        var whole = Decimal()
        NSDecimalRound(&whole, &value, 0, .plain)
        guard scaled > 0, whole == scaled, whole <= Decimal(Int(Int32.max)) else { return nil }
        return Int32(truncating: NSDecimalNumber(decimal: whole))
    }

    static func pathEscaped(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    private let groupCache = GroupCache()

    private func group() async throws(VenueError) -> String {
        if let group = self.configuration.group { return group }
        if let group = await self.groupCache.value { return group }
        let user: CPluginUser = try await self.rest.read("UserRecordGet/\(self.configuration.login)")
        guard let group = user.group, !group.isEmpty else {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "UserRecordGet gave no group")
        }
        await self.groupCache.set(group)
        return group
    }
}

/// The login's group once read from the venue.
private actor GroupCache {
    var value: String?
    func set(_ group: String) { self.value = group }
}
