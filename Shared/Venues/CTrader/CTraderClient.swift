public import Foundation
public import Logging
import Messages
public import VenueKit

/// The cTrader Open API protocol module (protocols.md §5): JSON over one WebSocket per session.
///
/// - place → 2106 NewOrderReq: market, limit or stop; `volume` = quantity × 100 (cents of units), checked against
///   the symbol's minimum, maximum and step before sending; market orders carry protective prices as
///   `relativeStopLoss`/`relativeTakeProfit` (1/100000 of a price, measured from the current quote), pending orders as
///   absolute `stopLoss`/`takeProfit`; `clientOrderId` = our client order id, `label` = the configured label and
///   `comment` = `tw:<commandId>`, so an order can be found again. The answer is the 2126 ExecutionEvent that fills
///   (market) or accepts (pending) it, or 2132/2142/`ORDER_REJECTED`. A market order's venue order id is its position
///   id (the handle for closing); a pending order's is its order id.
/// - close → 2111 ClosePositionReq (the position's whole volume from 2124 unless a quantity is given); cancel → 2108.
/// - open orders → 2124 Reconcile (positions and pending orders); balance → 2121 Trader ÷ 10^moneyDigits.
/// - quotes → 2127 SubscribeSpots and 2131 SpotEvent (÷ 100000, the last side kept when one is absent).
public final class CTraderClient: VenueOrderGateway, VenueMarketData, Sendable {
    public let venueID: String
    public let capabilities = VenueCapabilities(orderTypes: [.market, .limit, .stop], canCancel: true, hasBalance: true, hasTicks: true)
    let configuration: CTraderConfiguration
    let session: CTraderSession

    /// Creates a client; `tokens` yields ``CTraderCredentials`` (the broker's grants, or fixed ones in tests).
    public init(
        venueID: String, configuration: CTraderConfiguration, tokens: any VenueTokenSource, logger: Logger
    ) throws(VenueError) {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "venue.name"] = "\(venueID)"
        self.venueID = venueID
        self.configuration = configuration
        self.session = CTraderSession(configuration: configuration, tokens: tokens, logger: logger)
    }

    /// Closes the session. The client is unusable afterwards.
    public func shutdown() {
        self.session.shutdown()
    }

    // MARK: - Orders

    public func place(_ request: VenuePlaceRequest) async -> VenueOrderOutcome {
        if let refusal = self.configuration.symbols.tradingRefusal(for: request.symbol) { return .rejected(refusal) }
        let symbol: CTraderSymbol
        do {
            guard let known = try await self.session.symbol(request.symbol) else {
                return .rejected(.venue("symbol_unknown", "the venue lists no symbol \(request.symbol)"))
            }
            symbol = known
        } catch {
            return Self.outcome(error, call: "order")
        }
        let volume: Int64
        switch Self.volume(request.quantity, symbol: symbol) {
        case .success(let cents): volume = cents
        case .failure(let refusal): return .rejected(refusal.reason)
        }
        var payload: [String: JSONValue] = [
            "ctidTraderAccountId": .number(Decimal(self.configuration.accountID)), "symbolId": .number(Decimal(symbol.id)),
            "tradeSide": .number(Decimal(request.side == .buy ? CTraderEnum.buy : CTraderEnum.sell)),
            "volume": .number(Decimal(volume)), "label": .string(self.configuration.label),
        ]
        if request.clientOrderID.count <= 50 { payload["clientOrderId"] = .string(request.clientOrderID) }
        if let key = request.idempotencyKey { payload["comment"] = .string("tw:\(key)") }
        switch request.orderType {
        case .market:
            payload["orderType"] = .number(Decimal(CTraderEnum.market))
            if request.stopLoss != nil || request.takeProfit != nil {
                switch await self.relativeProtection(request) {
                case .success(let relative): payload.merge(relative) { $1 }
                case .failure(let refusal): return .rejected(refusal.reason)
                }
            }
        case .limit, .stop:
            guard let price = request.price, price > 0 else {
                return .rejected(.venue("invalid_price", "\(request.orderType.rawValue) orders need a positive price"))
            }
            let isLimit = request.orderType == .limit
            payload["orderType"] = .number(Decimal(isLimit ? CTraderEnum.limit : CTraderEnum.stop))
            payload[isLimit ? "limitPrice" : "stopPrice"] = .number(price)
            if let stopLoss = request.stopLoss { payload["stopLoss"] = .number(stopLoss) }
            if let takeProfit = request.takeProfit { payload["takeProfit"] = .number(takeProfit) }
        }
        let isMarket = request.orderType == .market
        do {
            // A market order's answer is its fill; ORDER_ACCEPTED before it is only a step.
            let frame = try await self.session.call(CTraderPayload.newOrderReq, payload) { frame in
                !(isMarket && frame.payloadType == CTraderPayload.executionEvent
                    && frame.payload[member: "executionType"]?.integerValue == CTraderEnum.orderAccepted)
            }
            return Self.acknowledgement(frame, isMarket: isMarket)
        } catch {
            return Self.outcome(error, call: "order")
        }
    }

    /// 2111 for the whole position (its volume read with 2124), or `quantity` of it.
    public func close(venueOrderID: String, quantity: Decimal?, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let positionID = Int64(venueOrderID), positionID > 0 else {
            return .rejected(.venue("invalid_order_id", "cTrader position ids are positive integers"))
        }
        var volume: Int64
        if let quantity {
            guard quantity > 0, let cents = (quantity * 100).exactInt64 else { return .rejected(.venue("invalid_quantity", "the quantity must be a positive multiple of 0.01 units")) }
            volume = cents
        } else {
            do {
                let positions = try await self.reconcile().positions
                guard let position = positions.first(where: { $0.id == positionID }) else {
                    return .rejected(.venue("order_not_found", "the venue lists no open position \(positionID)"))
                }
                volume = position.volume
            } catch {
                return .rejected(.venue("venue_unreachable", "close not sent: the position could not be read (\(error.reason))"))
            }
        }
        let payload: [String: JSONValue] = [
            "ctidTraderAccountId": .number(Decimal(self.configuration.accountID)), "positionId": .number(Decimal(positionID)),
            "volume": .number(Decimal(volume)),
        ]
        do {
            let frame = try await self.session.call(CTraderPayload.closePositionReq, payload) { frame in
                !(frame.payloadType == CTraderPayload.executionEvent
                    && frame.payload[member: "executionType"]?.integerValue == CTraderEnum.orderAccepted)
            }
            let deal = frame.payload[member: "deal"]
            return .accepted(VenueOrderAck(
                venueOrderID: venueOrderID, filledQuantity: Decimal(volume) / 100,
                averagePrice: deal?[member: "executionPrice"]?.decimalValue,
                venueTime: Self.date(deal?[member: "executionTimestamp"]) ?? Date()))
        } catch {
            return Self.outcome(error, call: "close")
        }
    }

    /// 2108 for a pending order → `ORDER_CANCELLED`.
    public func cancel(venueOrderID: String, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let orderID = Int64(venueOrderID), orderID > 0 else {
            return .rejected(.venue("invalid_order_id", "cTrader order ids are positive integers"))
        }
        let payload: [String: JSONValue] = [
            "ctidTraderAccountId": .number(Decimal(self.configuration.accountID)), "orderId": .number(Decimal(orderID)),
        ]
        do {
            _ = try await self.session.call(CTraderPayload.cancelOrderReq, payload)
            return .accepted(VenueOrderAck(venueOrderID: venueOrderID, venueTime: Date()))
        } catch {
            return Self.outcome(error, call: "cancel")
        }
    }

    /// 2124: open positions (id = position id) and pending orders (id = order id).
    public func openOrders() async throws(VenueError) -> [VenueOpenOrder] {
        let (positions, orders) = try await self.reconcile()
        return positions.map { position in
            VenueOpenOrder(
                venueOrderID: String(position.id), symbol: position.symbol, side: position.side,
                quantity: Decimal(position.volume) / 100, price: position.price ?? 0, openedAt: position.openedAt)
        } + orders.map { order in
            VenueOpenOrder(
                venueOrderID: String(order.id), symbol: order.symbol, side: order.side, quantity: Decimal(order.volume) / 100,
                price: order.price ?? 0, openedAt: order.openedAt)
        }
    }

    /// 2124, matched exactly: a position whose comment is `tw:<commandId>` (or a pending order with that comment or
    /// our `clientOrderId`) is the order. Positions are listed while open, so an order already closed again (stop
    /// loss, take profit, by hand) is not found.
    public func findOrder(_ search: VenueOrderSearch) async throws(VenueError) -> VenueOrderSearchResult {
        let (positions, orders) = try await self.reconcile()
        let observedAt = Date()
        let comment = search.request.idempotencyKey.map { "tw:\($0)" }
        func ours(_ holding: Holding) -> Bool {
            (comment != nil && holding.comment == comment) || holding.clientOrderID == search.request.clientOrderID
        }
        let what = comment.map { "comment \($0)" } ?? "clientOrderId \(search.request.clientOrderID)"
        if let position = positions.first(where: ours) {
            let id = String(position.id)
            return .found(
                VenueOrderAck(
                    venueOrderID: id, filledQuantity: Decimal(position.volume) / 100, averagePrice: position.price,
                    venueTime: position.openedAt),
                VenueEvidence(
                    check: "ctrader.reconcile", finding: "open position \(id) carries \(what)", observedAt: observedAt,
                    candidates: [id]))
        }
        if let order = orders.first(where: ours) {
            let id = String(order.id)
            return .found(
                VenueOrderAck(venueOrderID: id, filledQuantity: 0, venueTime: order.openedAt),
                VenueEvidence(
                    check: "ctrader.reconcile", finding: "pending order \(id) carries \(what)", observedAt: observedAt,
                    candidates: [id]))
        }
        return .notFound(VenueEvidence(
            check: "ctrader.reconcile",
            finding: "none of \(positions.count) open positions and \(orders.count) pending orders carries \(what)",
            observedAt: observedAt))
    }

    /// 2121: `trader.balance / 10^moneyDigits`.
    public func balance() async throws(VenueError) -> Decimal {
        let frame: CTraderFrame
        do {
            frame = try await self.session.call(
                CTraderPayload.traderReq, ["ctidTraderAccountId": .number(Decimal(self.configuration.accountID))])
        } catch {
            throw self.venueError(error, call: "trader")
        }
        guard let trader = frame.payload[member: "trader"], let balance = trader[member: "balance"]?.decimalValue else {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "trader without a balance")
        }
        let digits = trader[member: "moneyDigits"]?.integerValue ?? self.session.moneyDigits ?? 2
        return balance / Self.power(digits)
    }

    public func marketEvents(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        self.session.events(for: symbols)
    }

    /// The current quote of a symbol (for notional checks).
    public func currentQuote(_ symbol: String) async -> VenueQuote? {
        await self.session.currentQuote(symbol)
    }

    // MARK: - Plumbing

    /// An entry of 2124.
    struct Holding {
        var id: Int64
        var symbol: String
        var side: OrderSide?
        var volume: Int64
        var price: Decimal?
        var openedAt: Date?
        var clientOrderID: String?
        var label: String?
        var comment: String?
    }

    func reconcile() async throws(VenueError) -> (positions: [Holding], orders: [Holding]) {
        let frame: CTraderFrame
        do {
            frame = try await self.session.call(
                CTraderPayload.reconcileReq, ["ctidTraderAccountId": .number(Decimal(self.configuration.accountID))])
        } catch {
            throw self.venueError(error, call: "reconcile")
        }
        func holding(_ entity: JSONValue, id key: String, price: Decimal?) -> Holding? {
            guard let id = entity[member: key]?.integerValue, let trade = entity[member: "tradeData"] else { return nil }
            let symbolID = trade[member: "symbolId"]?.integerValue.map(Int64.init) ?? 0
            let side: OrderSide? = switch trade[member: "tradeSide"]?.integerValue {
            case CTraderEnum.buy: .buy
            case CTraderEnum.sell: .sell
            default: nil
            }
            return Holding(
                id: Int64(id), symbol: self.session.symbolName(symbolID) ?? String(symbolID), side: side,
                volume: Int64(trade[member: "volume"]?.integerValue ?? 0), price: price,
                openedAt: Self.date(trade[member: "openTimestamp"]), clientOrderID: entity[member: "clientOrderId"]?.stringValue,
                label: trade[member: "label"]?.stringValue, comment: trade[member: "comment"]?.stringValue)
        }
        let positions = (frame.payload[member: "position"]?.arrayValue ?? []).compactMap { position in
            holding(position, id: "positionId", price: position[member: "price"]?.decimalValue)
        }
        let orders = (frame.payload[member: "order"]?.arrayValue ?? []).compactMap { order in
            holding(order, id: "orderId", price: (order[member: "limitPrice"] ?? order[member: "stopPrice"])?.decimalValue)
        }
        return (positions, orders)
    }

    struct Refusal: Error { var reason: Reason }

    /// Quantity in units → volume in cents of units, within the symbol's limits.
    static func volume(_ quantity: Decimal, symbol: CTraderSymbol) -> Result<Int64, Refusal> {
        guard quantity > 0, let volume = (quantity * 100).exactInt64 else {
            return .failure(Refusal(reason: .venue("invalid_quantity", "the quantity must be a positive multiple of 0.01 units")))
        }
        if let minimum = symbol.minVolume, volume < minimum {
            return .failure(Refusal(reason: .venue("invalid_quantity", "below the minimum of \(Decimal(minimum) / 100) units")))
        }
        if let maximum = symbol.maxVolume, volume > maximum {
            return .failure(Refusal(reason: .venue("invalid_quantity", "above the maximum of \(Decimal(maximum) / 100) units")))
        }
        if let step = symbol.stepVolume, step > 0, volume % step != 0 {
            return .failure(Refusal(reason: .venue("invalid_quantity", "not a multiple of the step of \(Decimal(step) / 100) units")))
        }
        return .success(volume)
    }

    /// Absolute protective prices of a market order as distances from the current quote (the side it fills at).
    private func relativeProtection(_ request: VenuePlaceRequest) async -> Result<[String: JSONValue], Refusal> {
        guard let quote = await self.session.currentQuote(request.symbol) else {
            return .failure(Refusal(reason: .venue("no_quotes", "no quote to measure the protective prices from")))
        }
        let entry = request.side == .buy ? quote.ask : quote.bid
        let sign: Decimal = request.side == .buy ? 1 : -1
        var relative: [String: JSONValue] = [:]
        for (key, price, below) in [("relativeStopLoss", request.stopLoss, true), ("relativeTakeProfit", request.takeProfit, false)] {
            guard let price else { continue }
            let distance = (below ? entry - price : price - entry) * sign * 100_000
            guard distance >= 1 else {
                return .failure(Refusal(reason: .venue(
                    "invalid_stops", "\(below ? "stop loss" : "take profit") \(price) is on the wrong side of the price \(entry)")))
            }
            relative[key] = .number(distance.rounded(scale: 0))
        }
        return .success(relative)
    }

    static func acknowledgement(_ frame: CTraderFrame, isMarket: Bool) -> VenueOrderOutcome {
        guard frame.payloadType == CTraderPayload.executionEvent else {
            return .unknown(.venue("unreadable_reply", "the order was answered with payload type \(frame.payloadType)"))
        }
        let order = frame.payload[member: "order"]
        let position = frame.payload[member: "position"]
        let deal = frame.payload[member: "deal"]
        let id = isMarket ? position?[member: "positionId"]?.integerValue : order?[member: "orderId"]?.integerValue
        guard let id else { return .unknown(.venue("unreadable_reply", "the execution names no position or order")) }
        let filled = (deal?[member: "filledVolume"] ?? order?[member: "executedVolume"])?.decimalValue.map { $0 / 100 }
        return .accepted(VenueOrderAck(
            venueOrderID: String(id), filledQuantity: isMarket ? filled : nil,
            averagePrice: isMarket ? (deal?[member: "executionPrice"] ?? position?[member: "price"])?.decimalValue : nil,
            venueTime: Self.date(deal?[member: "executionTimestamp"]) ?? Date()))
    }

    static func date(_ milliseconds: JSONValue?) -> Date? {
        milliseconds?.integerValue.map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
    }

    static func power(_ digits: Int) -> Decimal {
        var result: Decimal = 1
        for _ in 0..<max(0, digits) { result *= 10 }
        return result
    }

    static func outcome(_ failure: CTraderCallFailure, call: String) -> VenueOrderOutcome {
        switch failure {
        case .notSent(let why): .rejected(.venue("venue_unreachable", "\(call) not sent: \(why)"))
        case .noAnswer(let why): .unknown(.venue("no_answer", "\(call) sent, outcome unknown: \(why)"))
        case .refused(let refusal): CTraderErrorMapping.outcome(refusal, call: call)
        }
    }

    func venueError(_ failure: CTraderCallFailure, call: String) -> VenueError {
        switch failure {
        case .notSent(let why): return VenueError(.unreachable, venue: self.venueID, reason: "\(call) not sent: \(why)")
        case .noAnswer(let why): return VenueError(.timeout, venue: self.venueID, reason: "\(call): \(why)")
        case .refused(let refusal):
            let reason = CTraderErrorMapping.reason(refusal, call: call)
            let code: VenueError.Code =
                switch reason.code {
                case "unauthorized": .unauthorized
                case "rate_limited": .rateLimited
                default: .rejected
                }
            return VenueError(code, venue: self.venueID, reason: "\(reason.message) [\(refusal.errorCode)]")
        }
    }
}
