import Foundation

/// A parsed 2106 NewOrderReq (the fields the venue acts on).
struct CTraderNewOrder: Sendable {
    var symbolID: Int64
    var type: CTraderOrderType
    var side: CTraderSide
    var volume: Int64
    var limitPrice: Decimal?
    var stopPrice: Decimal?
    var timeInForce: Int64?
    var expirationTimestamp: Int64?
    var stopLoss: Decimal?
    var takeProfit: Decimal?
    var relativeStopLoss: Int64?
    var relativeTakeProfit: Int64?
    var comment: String?
    var label: String?
    var clientOrderID: String?
}

/// The one account of the cTrader venue: balance, positions, orders and id counters (kept inside a `Mutex` by
/// ``CTraderSimulator``, so that a check and the trade it guards are one atomic step).
///
/// Money is in cents (moneyDigits 2, simulator choice, unverified); swap and commission are always 0. Position ids
/// start at 1000001, order ids at 5000001 and deal ids at 9000001 (simulator choice); none is reused, not even
/// across resets.
///
/// Margin (simulator choice, unverified): the notional in USD ÷ leverage, where the notional of `volume` is
/// `volume / 100` units of the base asset, converted to USD at the execution price when the quote asset is USD
/// (EURUSD, GBPUSD, XAUUSD, BTCUSD) and taken as is when the base asset is USD (USDJPY). Pending orders hold no
/// margin; their margin is checked when they are placed (at their own price), not when they fill.
///
/// Profit (simulator choice, unverified): `(close − entry) × units` (negated for a sell) is in the quote currency;
/// it is USD as is, except for USDJPY where it is divided by the closing price. It is rounded half away from zero to
/// cents and moves the balance at once.
struct CTraderBook: Sendable {
    static let firstPositionID: Int64 = 1_000_001
    static let firstOrderID: Int64 = 5_000_001
    static let firstDealID: Int64 = 9_000_001

    private let startingBalance: Int64
    private let leverageInCents: Int64
    private(set) var balance: Int64
    private(set) var balanceVersion: Int64 = 0
    private(set) var positions: [CTraderPosition] = []
    private(set) var orders: [CTraderOrder] = []
    private var nextPositionID = Self.firstPositionID
    private var nextOrderID = Self.firstOrderID
    private var nextDealID = Self.firstDealID
    /// Requests whose execution events `hangOrders` withheld since the last reset.
    private(set) var withheldResponses = 0

    init(startingBalance: Decimal, leverageInCents: Int) {
        self.startingBalance = Self.cents(startingBalance)
        self.leverageInCents = Int64(leverageInCents)
        self.balance = self.startingBalance
    }

    /// Restores the starting balance and forgets every position and order (ids go on).
    mutating func reset() {
        self.balance = self.startingBalance
        self.balanceVersion = 0
        self.positions.removeAll()
        self.orders.removeAll()
        self.withheldResponses = 0
    }

    /// Open positions, oldest first.
    var openPositions: [CTraderPosition] { self.positions.filter { $0.status == .open } }

    /// Pending orders, oldest first.
    var pendingOrders: [CTraderOrder] { self.orders.filter(\.isPending) }

    /// Margin held by open positions, in cents.
    var usedMargin: Int64 { self.openPositions.reduce(0) { $0 + $1.usedMargin } }

    /// Counts a request whose execution events were withheld.
    mutating func countWithheld() {
        self.withheldResponses += 1
    }

    // MARK: - New orders

    /// Executes a 2106 NewOrderReq for `symbol` at `quote`: a market order fills at once (ORDER_ACCEPTED, then
    /// ORDER_FILLED); a limit or stop order is accepted and waits for ``advance(quote:now:)``.
    mutating func place(
        _ request: CTraderNewOrder, symbol: CTraderSymbol, quote: CTraderQuote, now: Date, withheld: Bool
    ) -> Result<[CTraderExecution], CTraderTradeRefusal> {
        guard request.volume >= symbol.minVolume, request.volume <= symbol.maxVolume,
            request.volume % symbol.stepVolume == 0
        else {
            return .failure(
                .orderError(
                    "TRADING_BAD_VOLUME",
                    "volume \(request.volume) must be in \(symbol.minVolume)...\(symbol.maxVolume) in steps of "
                        + "\(symbol.stepVolume)"))
        }
        for value in [request.relativeStopLoss, request.relativeTakeProfit] {
            if let value, value <= 0 {
                return .failure(.orderError("TRADING_BAD_STOPS", "relative stops must be positive"))
            }
        }
        let marketPrice = request.side == .buy ? quote.ask : quote.bid
        let price: Decimal
        if request.type == .market {
            guard request.stopLoss == nil, request.takeProfit == nil else {
                return .failure(
                    .orderError(
                        "TRADING_BAD_STOPS",
                        "absolute stopLoss/takeProfit are not supported for MARKET orders; use relative ones"))
            }
            price = marketPrice
        } else {
            guard let trigger = request.type == .limit ? request.limitPrice : request.stopPrice, trigger > 0 else {
                return .failure(.orderError("TRADING_BAD_PRICES", "the order price must be positive"))
            }
            price = trigger
            if let problem = Self.stopsProblem(side: request.side, price: trigger, request.stopLoss, request.takeProfit)
            {
                return .failure(.orderError("TRADING_BAD_STOPS", problem))
            }
        }
        if request.type == .market {
            let stops = Self.stops(
                side: request.side, relativeStopLoss: request.relativeStopLoss,
                relativeTakeProfit: request.relativeTakeProfit, stopLoss: nil, takeProfit: nil, entry: price,
                digits: symbol.digits)
            guard stops.stopLoss.map({ $0 > 0 }) ?? true, stops.takeProfit.map({ $0 > 0 }) ?? true else {
                return .failure(.orderError("TRADING_BAD_STOPS", "the relative stops reach zero or below"))
            }
        }
        let margin = self.margin(symbol, volume: request.volume, price: price)
        guard margin <= self.balance - self.usedMargin else {
            return .failure(
                .orderError(
                    "NOT_ENOUGH_MONEY",
                    "required margin \(Self.money(margin)) USD exceeds the free margin "
                        + "\(Self.money(self.balance - self.usedMargin)) USD"))
        }
        var order = CTraderOrder(
            id: self.takeOrderID(), symbolID: symbol.id, side: request.side, volume: request.volume, type: request.type,
            status: .accepted, limitPrice: request.type == .limit ? request.limitPrice : nil,
            stopPrice: request.type == .stop ? request.stopPrice : nil, stopLoss: request.stopLoss,
            takeProfit: request.takeProfit, relativeStopLoss: request.relativeStopLoss,
            relativeTakeProfit: request.relativeTakeProfit, clientOrderID: request.clientOrderID, label: request.label,
            comment: request.comment,
            timeInForce: request.type == .market ? 3 : (request.timeInForce ?? 2),
            expirationTimestamp: request.expirationTimestamp, createdAt: now, updatedAt: now,
            responseWithheld: withheld)
        guard request.type == .market else {
            self.orders.append(order)
            return .success([CTraderExecution(type: .orderAccepted, order: order)])
        }
        var created = self.makePosition(order, symbol: symbol, price: price, margin: margin, now: now)
        created.status = .created
        let accepted = CTraderExecution(type: .orderAccepted, order: order, position: created)
        let filled = self.fill(&order, symbol: symbol, price: price, margin: margin, now: now, withheld: withheld)
        self.orders.append(order)
        return .success([accepted, filled])
    }

    /// Why absolute stops of a pending order are on the wrong side of its price (BUY: stopLoss < price < takeProfit;
    /// SELL: the reverse), or `nil`.
    private static func stopsProblem(
        side: CTraderSide, price: Decimal, _ stopLoss: Decimal?, _ takeProfit: Decimal?
    ) -> String? {
        let below = side == .buy ? stopLoss : takeProfit
        let above = side == .buy ? takeProfit : stopLoss
        if let below, below >= price || below <= 0 { return "the stops must be on either side of the order price" }
        if let above, above <= price { return "the stops must be on either side of the order price" }
        return nil
    }

    /// The absolute stops of a position opened by `order` at `entry`: relative stops (1/100000 of the price) win over
    /// absolute ones; BUY: SL = entry − rel, TP = entry + rel; SELL the reverse.
    private static func stops(
        side: CTraderSide, relativeStopLoss: Int64?, relativeTakeProfit: Int64?, stopLoss: Decimal?,
        takeProfit: Decimal?, entry: Decimal, digits: Int
    ) -> (stopLoss: Decimal?, takeProfit: Decimal?) {
        let sign: Decimal = side == .buy ? 1 : -1
        let relativeLoss = relativeStopLoss.map { (entry - sign * Decimal($0) / 100_000).rounded(scale: digits) }
        let relativeProfit = relativeTakeProfit.map { (entry + sign * Decimal($0) / 100_000).rounded(scale: digits) }
        return (relativeLoss ?? stopLoss, relativeProfit ?? takeProfit)
    }

    private func makePosition(
        _ order: CTraderOrder, symbol: CTraderSymbol, price: Decimal, margin: Int64, now: Date
    ) -> CTraderPosition {
        let stops = Self.stops(
            side: order.side, relativeStopLoss: order.relativeStopLoss, relativeTakeProfit: order.relativeTakeProfit,
            stopLoss: order.stopLoss, takeProfit: order.takeProfit, entry: price, digits: symbol.digits)
        return CTraderPosition(
            id: self.nextPositionID, symbolID: symbol.id, side: order.side, volume: order.volume,
            openedVolume: order.volume, openedAt: now, label: order.label, comment: order.comment, status: .open,
            price: price, stopLoss: stops.stopLoss, takeProfit: stops.takeProfit, usedMargin: margin, updatedAt: now,
            responseWithheld: order.responseWithheld)
    }

    /// Fills `order` at `price` into a new position; returns the ORDER_FILLED execution.
    private mutating func fill(
        _ order: inout CTraderOrder, symbol: CTraderSymbol, price: Decimal, margin: Int64, now: Date, withheld: Bool
    ) -> CTraderExecution {
        var position = self.makePosition(order, symbol: symbol, price: price, margin: margin, now: now)
        position.responseWithheld = withheld
        self.nextPositionID += 1
        order.status = .filled
        order.executionPrice = price
        order.executedVolume = order.volume
        order.positionID = position.id
        order.updatedAt = now
        self.positions.append(position)
        let deal = CTraderDeal(
            id: self.takeDealID(), orderID: order.id, positionID: position.id, volume: order.volume,
            symbolID: symbol.id, executedAt: now, price: price, side: order.side)
        return CTraderExecution(type: .orderFilled, order: order, position: position, deal: deal)
    }

    // MARK: - Closing and cancelling

    /// Executes a 2111 ClosePositionReq at `quote`: ORDER_ACCEPTED, then ORDER_FILLED with the closing order.
    mutating func close(
        positionID: Int64, volume: Int64, quote: (Int64) -> CTraderQuote?, now: Date, withheld: Bool
    ) -> Result<[CTraderExecution], CTraderTradeRefusal> {
        guard let index = self.positions.firstIndex(where: { $0.id == positionID && $0.status == .open }),
            let symbol = CTraderSymbol.byID(self.positions[index].symbolID),
            let current = quote(symbol.id)
        else {
            return .failure(.error("POSITION_NOT_FOUND", "position \(positionID) is not open"))
        }
        let position = self.positions[index]
        guard volume > 0, volume <= position.volume, volume % symbol.stepVolume == 0 else {
            return .failure(
                .orderError(
                    "TRADING_BAD_VOLUME",
                    "volume \(volume) must be in 1...\(position.volume) in steps of \(symbol.stepVolume)",
                    positionID: positionID))
        }
        if withheld { self.positions[index].responseWithheld = true }
        let (accepted, filled) = self.closeAtMarket(index, volume: volume, symbol: symbol, quote: current, now: now)
        return .success([accepted, filled])
    }

    /// Closes `volume` of position `index` at the market (a buy sells at the bid, a sell buys at the ask) with a new
    /// closing order; returns the ORDER_ACCEPTED and ORDER_FILLED executions.
    private mutating func closeAtMarket(
        _ index: Int, volume: Int64, symbol: CTraderSymbol, quote: CTraderQuote, now: Date
    ) -> (accepted: CTraderExecution, filled: CTraderExecution) {
        var position = self.positions[index]
        let side = position.side.opposite
        let price = side == .buy ? quote.ask : quote.bid
        var order = CTraderOrder(
            id: self.takeOrderID(), symbolID: symbol.id, side: side, volume: volume, type: .market, status: .accepted,
            timeInForce: 3, positionID: position.id, isClosing: true, createdAt: now, updatedAt: now)
        let accepted = CTraderExecution(type: .orderAccepted, order: order, position: position)
        let direction: Decimal = position.side == .buy ? 1 : -1
        var profit = (price - position.price) * direction * Decimal(volume) / 100
        if symbol.isBaseUSD { profit /= price }
        let profitCents = Self.cents(profit)
        self.balance += profitCents
        self.balanceVersion += 1
        let remaining = position.volume - volume
        position.usedMargin = position.volume == 0 ? 0 : position.usedMargin * remaining / position.volume
        position.volume = remaining
        position.closedVolume += volume
        position.closedValue += price * Decimal(volume)
        position.realizedProfit += profitCents
        position.updatedAt = now
        if remaining == 0 {
            position.status = .closed
            position.closedAt = now
        }
        self.positions[index] = position
        order.status = .filled
        order.executionPrice = price
        order.executedVolume = volume
        self.orders.append(order)
        let detail = CTraderCloseDetail(
            entryPrice: position.price, grossProfit: profitCents, balance: self.balance,
            balanceVersion: self.balanceVersion, closedVolume: volume)
        let deal = CTraderDeal(
            id: self.takeDealID(), orderID: order.id, positionID: position.id, volume: volume, symbolID: symbol.id,
            executedAt: now, price: price, side: side, closeDetail: detail)
        return (accepted, CTraderExecution(type: .orderFilled, order: order, position: position, deal: deal))
    }

    /// Executes a 2108 CancelOrderReq: the ORDER_CANCELLED execution, or `nil` when `orderID` is not pending.
    mutating func cancel(orderID: Int64, now: Date) -> CTraderExecution? {
        guard let index = self.orders.firstIndex(where: { $0.id == orderID && $0.isPending }) else { return nil }
        self.orders[index].status = .cancelled
        self.orders[index].updatedAt = now
        return CTraderExecution(type: .orderCancelled, order: self.orders[index])
    }

    // MARK: - Price steps

    /// Fills pending orders whose price was reached and closes positions whose stop loss or take profit was crossed,
    /// at the market price (simulator choices, unverified: a buy limit fills once the ask is at or below its price, a
    /// sell limit once the bid is at or above it; a buy stop once the ask is at or above its price, a sell stop once
    /// the bid is at or below it; a buy position closes once the bid crosses its stops, a sell position once the ask
    /// does). Returns one ORDER_FILLED execution per fill or close, in that order.
    mutating func advance(quote: (CTraderSymbol) -> CTraderQuote, now: Date) -> [CTraderExecution] {
        var executions: [CTraderExecution] = []
        for index in self.orders.indices where self.orders[index].isPending {
            let order = self.orders[index]
            guard let symbol = CTraderSymbol.byID(order.symbolID), let trigger = order.triggerPrice else { continue }
            let current = quote(symbol)
            let market = order.side == .buy ? current.ask : current.bid
            let reached =
                switch (order.type, order.side) {
                case (.limit, .buy), (.stop, .sell): market <= trigger
                case (.limit, .sell), (.stop, .buy): market >= trigger
                case (.market, _): false
                }
            guard reached else { continue }
            let margin = self.margin(symbol, volume: order.volume, price: market)
            var filled = order
            executions.append(
                self.fill(&filled, symbol: symbol, price: market, margin: margin, now: now, withheld: false))
            self.orders[index] = filled
        }
        for index in self.positions.indices where self.positions[index].status == .open {
            let position = self.positions[index]
            guard position.stopLoss != nil || position.takeProfit != nil,
                let symbol = CTraderSymbol.byID(position.symbolID)
            else { continue }
            let current = quote(symbol)
            let isBuy = position.side == .buy
            let market = isBuy ? current.bid : current.ask
            let stopped = position.stopLoss.map { isBuy ? market <= $0 : market >= $0 } ?? false
            let took = position.takeProfit.map { isBuy ? market >= $0 : market <= $0 } ?? false
            guard stopped || took else { continue }
            let closed = self.closeAtMarket(index, volume: position.volume, symbol: symbol, quote: current, now: now)
            executions.append(closed.filled)
        }
        return executions
    }

    // MARK: - Helpers

    /// The margin of `volume` of `symbol` at `price`, in cents (see the type's documentation).
    func margin(_ symbol: CTraderSymbol, volume: Int64, price: Decimal) -> Int64 {
        let units = Decimal(volume) / 100
        let notional = symbol.isBaseUSD ? units : units * price
        return Self.cents(notional * 100 / Decimal(self.leverageInCents))
    }

    /// `value` USD in cents, rounded half away from zero.
    static func cents(_ value: Decimal) -> Int64 {
        Int64((value * 100).rounded(scale: 0).description) ?? 0
    }

    /// Cents as a USD amount for messages.
    static func money(_ cents: Int64) -> String {
        (Decimal(cents) / 100).description
    }

    private mutating func takeOrderID() -> Int64 {
        defer { self.nextOrderID += 1 }
        return self.nextOrderID
    }

    private mutating func takeDealID() -> Int64 {
        defer { self.nextDealID += 1 }
        return self.nextDealID
    }
}
