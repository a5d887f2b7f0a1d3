import Foundation
import Logging
import Synchronization

extension CTraderSimulator {
    /// 2106 NewOrderReq (see ``CTraderBook/place(_:symbol:quote:now:withheld:)`` for the execution).
    ///
    /// Refusals (simulator choices, unverified, where protocols.md §5.5 leaves open which message carries which):
    /// - 2142 `INVALID_REQUEST`: an `orderType` other than MARKET, LIMIT and STOP; a LIMIT without `limitPrice` or a
    ///   STOP without `stopPrice`; a `positionId` (the account is hedged);
    /// - 2132 `SYMBOL_NOT_FOUND`, `TRADING_BAD_VOLUME` (outside min...max or off the step), `TRADING_BAD_STOPS`
    ///   (absolute stops on a MARKET order, non-positive relative stops, pending stops on the wrong side),
    ///   `TRADING_BAD_PRICES` (a non-positive order price), `NOT_ENOUGH_MONEY` (margin above the free margin).
    ///
    /// Answers: MARKET → 2126 ORDER_ACCEPTED (order, CREATED position) then 2126 ORDER_FILLED (order, OPEN position,
    /// deal), filled at the ask (buy) or the bid (sell); LIMIT/STOP → 2126 ORDER_ACCEPTED (the pending order), which
    /// fills later as an ORDER_FILLED event. Every frame carries the request's `clientMsgId` and goes to the requesting
    /// connection only (simulator choice, unverified). With `hangOrders` the order executes but nothing is sent.
    func newOrder(_ call: CTraderCall) -> WebSocketAnswer {
        let payload = call.payload
        let account = call.account ?? self.configuration.accountId
        let typeValue = payload.enumValue("orderType", .orderType) ?? 0
        guard let type = CTraderOrderType(rawValue: typeValue) else {
            return call.error(
                "INVALID_REQUEST", "orderType \(typeValue) is not supported (MARKET, LIMIT and STOP only)")
        }
        if type == .limit, payload.double("limitPrice") == nil {
            return call.error("INVALID_REQUEST", "Field 'limitPrice' is required for a LIMIT order")
        }
        if type == .stop, payload.double("stopPrice") == nil {
            return call.error("INVALID_REQUEST", "Field 'stopPrice' is required for a STOP order")
        }
        if payload.int64("positionId") != nil {
            return call.error("INVALID_REQUEST", "Field 'positionId' is not supported on a hedged account")
        }
        let request = CTraderNewOrder(
            symbolID: payload.int64("symbolId") ?? 0, type: type,
            side: CTraderSide(rawValue: payload.enumValue("tradeSide", .tradeSide) ?? 1) ?? .buy,
            volume: payload.int64("volume") ?? 0, limitPrice: payload.double("limitPrice"),
            stopPrice: payload.double("stopPrice"), timeInForce: payload.enumValue("timeInForce", .timeInForce),
            expirationTimestamp: payload.int64("expirationTimestamp"), stopLoss: payload.double("stopLoss"),
            takeProfit: payload.double("takeProfit"), relativeStopLoss: payload.int64("relativeStopLoss"),
            relativeTakeProfit: payload.int64("relativeTakeProfit"), comment: payload.string("comment"),
            label: payload.string("label"), clientOrderID: payload.string("clientOrderId"))
        guard let symbol = CTraderSymbol.byID(request.symbolID) else {
            let refusal = CTraderTradeRefusal.orderError("SYMBOL_NOT_FOUND", "Symbol \(request.symbolID) not found")
            return .failed(CTraderEnvelope.orderError(refusal, account: account, clientMsgID: call.clientMsgID))
        }
        let quote = self.market.quote(symbol)
        let withhold = self.faults.settings.hangOrders
        let result = self.book.withLock { book in
            let result = book.place(request, symbol: symbol, quote: quote, now: Date(), withheld: withhold)
            if withhold, case .success = result { book.countWithheld() }
            return result
        }
        return self.answer(call, result, account: account, withhold: withhold)
    }

    /// 2111 ClosePositionReq: an unknown or closed position is 2142 `POSITION_NOT_FOUND`; a volume above the open
    /// volume, not positive or off the symbol's step is 2132 `TRADING_BAD_VOLUME`. Otherwise 2126 ORDER_ACCEPTED then
    /// ORDER_FILLED with the closing order (`closingOrder: true`), the position (CLOSED after a full close, OPEN with
    /// the rest after a partial one) and the deal with `closePositionDetail`; the profit moves the balance. With
    /// `hangOrders` the close executes but nothing is sent.
    func closePosition(_ call: CTraderCall) -> WebSocketAnswer {
        let account = call.account ?? self.configuration.accountId
        let positionID = call.payload.int64("positionId") ?? 0
        let volume = call.payload.int64("volume") ?? 0
        let withhold = self.faults.settings.hangOrders
        let result = self.book.withLock { book in
            let result = book.close(
                positionID: positionID, volume: volume, quote: { self.market.quote(symbolID: $0) }, now: Date(),
                withheld: withhold)
            if withhold, case .success = result { book.countWithheld() }
            return result
        }
        return self.answer(call, result, account: account, withhold: withhold)
    }

    private func answer(
        _ call: CTraderCall, _ result: Result<[CTraderExecution], CTraderTradeRefusal>, account: Int64, withhold: Bool
    ) -> WebSocketAnswer {
        switch result {
        case .failure(let refusal) where refusal.isOrderError:
            return .failed(CTraderEnvelope.orderError(refusal, account: account, clientMsgID: call.clientMsgID))
        case .failure(let refusal):
            return call.error(refusal.code, refusal.description)
        case .success(let executions):
            let ticket = executions.last?.position?.id ?? executions.last?.order?.id ?? 0
            self.logger.debug(
                "cTrader order executed", metadata: ["order.ticket": "\(ticket)", "order.withheld": "\(withhold)"])
            if withhold { return .withheld }
            return .ok(CTraderPayloads.executionFrames(executions, account: account, clientMsgID: call.clientMsgID))
        }
    }

    /// 2108 CancelOrderReq: a pending order → 2126 ORDER_CANCELLED with the order (status CANCELLED); anything else
    /// (unknown, filled, cancelled) is 2142 `ORDER_NOT_FOUND`.
    func cancelOrder(_ call: CTraderCall) -> WebSocketAnswer {
        let account = call.account ?? self.configuration.accountId
        let orderID = call.payload.int64("orderId") ?? 0
        guard let execution = self.book.withLock({ $0.cancel(orderID: orderID, now: Date()) }) else {
            return call.error("ORDER_NOT_FOUND", "Order \(orderID) is not pending")
        }
        return .ok(CTraderPayloads.executionFrames([execution], account: account, clientMsgID: call.clientMsgID))
    }

    /// 2124 ReconcileReq → 2125 `{ctidTraderAccountId, position: [open positions], order: [pending orders]}`.
    func reconcile(_ call: CTraderCall) -> WebSocketAnswer {
        let account = call.account ?? self.configuration.accountId
        let (positions, orders) = self.book.withLock { ($0.openPositions, $0.pendingOrders) }
        return call.answer(
            CTraderPayloadType.reconcileRes,
            [
                ("ctidTraderAccountId", .int(account)), ("position", .array(positions.map(CTraderPayloads.position))),
                ("order", .array(orders.map(CTraderPayloads.order))),
            ])
    }

    /// 2121 TraderReq → 2122 `{ctidTraderAccountId, trader}` (balance in cents, moneyDigits 2).
    func trader(_ call: CTraderCall) -> WebSocketAnswer {
        let account = call.account ?? self.configuration.accountId
        let (balance, version) = self.book.withLock { ($0.balance, $0.balanceVersion) }
        let trader = CTraderPayloads.trader(
            self.configuration, balance: balance, balanceVersion: version, registeredAt: self.registeredAt)
        return call.answer(CTraderPayloadType.traderRes, [("ctidTraderAccountId", .int(account)), ("trader", trader)])
    }
}
