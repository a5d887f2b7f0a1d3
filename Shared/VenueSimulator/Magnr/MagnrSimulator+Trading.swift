import Foundation
import Logging
import NIOCore
import Synchronization

extension MagnrSimulator {
    /// `POST /api/v1/trades/`: validates the body (``MagnrTradeRequest``; 400 with one message per problem), reserves
    /// the deposit (size / leverage BTC; 409 `Insufficient funds for the deposit` when it exceeds the balance minus
    /// the deposits of pending and open trades) and answers **201** `{"id": N}` (ids start at 1001).
    ///
    /// The trade starts `pending` (`open_price` null) and opens after ``MagnrSimulatorConfiguration/fillDelay`` at
    /// the ask (buy) or bid (sell) of that moment. The requested `stop_margin` and `take` are recorded and reported,
    /// never triggered: the simulator closes trades only when liquidated.
    ///
    /// With `hangOrders`, a created trade is booked but the response is withheld until the connection closes (or
    /// ``MagnrSimulatorConfiguration/maxWithheld`` passes); refusals are answered normally.
    func createTrade(_ bytes: [UInt8], publicKey: String, channel: any Channel) async -> MagnrOutcome {
        let request: MagnrTradeRequest
        switch MagnrTradeRequest.parse(bytes) {
        case .success(let parsed): request = parsed
        case .failure(let problems): return .respond(.errors(400, problems.messages))
        }
        let withhold = self.faults.settings.hangOrders
        let id: Int64? = self.withCurrentBook { book in
            let deposit = request.size / Decimal(request.leverage)
            guard deposit <= book.available else { return nil }
            let id = book.takeID()
            book.add(
                MagnrTrade(
                    id: id, publicKey: publicKey, side: request.side, leverage: request.leverage, size: request.size,
                    exchange: request.exchange, pair: request.pair, createdAt: Date(),
                    requestedStopMargin: request.stopMargin, take: request.take,
                    fillDue: .now + self.configuration.fillDelay, responseWithheld: withhold))
            return id
        }
        guard let id else { return .respond(.insufficientFunds) }
        self.wake.signal()
        self.logger.debug("Trade created", metadata: ["order.ticket": "\(id)", "order.withheld": "\(withhold)"])
        if withhold {
            await self.held.hold(limit: self.configuration.maxWithheld, channel: channel)
            return .drop
        }
        return .respond(.id(201, id))
    }

    /// `GET /api/v1/trades/`: 200 `{"trades":[…]}`, every trade of the key since the last reset in creation order
    /// (newest last), in every state. There is no paging (S002 documents none).
    func listTrades(publicKey: String) -> MagnrResponse {
        let trades = self.withCurrentBook { $0.trades.filter { $0.publicKey == publicKey } }
        return .json(200, .object([("trades", .array(trades.map(MagnrDTO.trade)))]))
    }

    /// `GET /api/v1/trades/{id}/`: 200 `{"trade":{…}}`; see ``tradeID(_:)`` for the 400 and 404 cases.
    func readTrade(_ text: String, publicKey: String) -> MagnrResponse {
        let id: Int64
        switch Self.tradeID(text) {
        case .success(let value): id = value
        case .failure(let refusal): return refusal.response
        }
        guard let trade = self.withCurrentBook({ $0.trade(id) }), trade.publicKey == publicKey else {
            return .tradeNotFound
        }
        return .json(200, .object([("trade", MagnrDTO.trade(trade))]))
    }

    /// `DELETE /api/v1/trades/{id}/` (liquidate): an open trade is closed at once, answered 200 `{"id": N}`: status
    /// `closed`, `close_price` the bid (long) or ask (short) of that moment, `closed_at` now, `closed_reason`
    /// `user`. It settles after ``MagnrSimulatorConfiguration/settleDelay`` (see
    /// ``MagnrBook/advance(now:quote:)``). A pending trade is 409 `Trade is pending and cannot be liquidated yet`; a
    /// closed or settled one 409 `Trade is not open`; an unknown id 404 `Trade not found`.
    ///
    /// S002 describes `closed` as awaiting its close price; the simulator fixes the price when closing, so that the
    /// closing price is the one of the liquidation's moment and `close_price` is known while `closed`.
    ///
    /// With `hangOrders`, the liquidation is booked but its response withheld, as for a created trade.
    func liquidate(_ text: String, publicKey: String, channel: any Channel) async -> MagnrOutcome {
        let id: Int64
        switch Self.tradeID(text) {
        case .success(let value): id = value
        case .failure(let refusal): return .respond(refusal.response)
        }
        let withhold = self.faults.settings.hangOrders
        let refusal: MagnrResponse? = self.withCurrentBook { book in
            guard let trade = book.trade(id), trade.publicKey == publicKey else { return .tradeNotFound }
            switch trade.status {
            case .pending: return .tradePending
            case .closed, .settled: return .tradeNotOpen
            case .open: break
            }
            let quote = self.market.quote
            book.update(id) { trade in
                trade.status = .closed
                trade.closePrice = trade.side == .buy ? quote.bid : quote.ask
                trade.closedAt = Date()
                trade.closedReason = "user"
                trade.settleDue = .now + self.configuration.settleDelay
            }
            return nil
        }
        if let refusal { return .respond(refusal) }
        self.wake.signal()
        self.logger.debug("Trade liquidated", metadata: ["order.ticket": "\(id)", "order.withheld": "\(withhold)"])
        if withhold {
            await self.held.hold(limit: self.configuration.maxWithheld, channel: channel)
            return .drop
        }
        return .respond(.id(200, id))
    }

    /// The `{id}` path segment: ASCII digits only, else 400 `Trade id must be an integer`; digits beyond `Int64` name
    /// no trade (404).
    static func tradeID(_ text: String) -> Result<Int64, MagnrRefusal> {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return .failure(MagnrRefusal(response: .error(400, "Trade id must be an integer")))
        }
        guard let id = Int64(text) else { return .failure(MagnrRefusal(response: .tradeNotFound)) }
        return .success(id)
    }
}
