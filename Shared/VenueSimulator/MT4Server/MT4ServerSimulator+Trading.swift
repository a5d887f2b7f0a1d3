import Foundation
import Logging
import NIOCore
import Synchronization

extension MT4ServerSimulator {
    /// `GET /exchanges/{broker}/orders`: open orders with current price and floating profit.
    func listOrders(_ broker: MT4ServerBroker) -> MT4ServerOutcome {
        let orders = self.book.withLock { $0.openOrders(broker: broker.id) }
        let values = orders.map { order -> GsonValue in
            let (price, profit) = self.valuation(of: order, broker: broker)
            return MT4ServerWire.orderJSON(order, currentPrice: price, profit: profit)
        }
        return .respond(status: 200, body: GsonValue.array(values).json)
    }

    /// `POST /exchanges/{broker}/orders`: a market order filled at the ask (buy) or bid (sell).
    func placeOrder(
        _ broker: MT4ServerBroker, channel: any Channel, body: () async throws -> [UInt8]
    ) async -> MT4ServerOutcome {
        guard let bytes = try? await body() else {
            return .respond(status: 413, body: MT4ServerWire.tooLarge)
        }
        let spec: MT4ServerOrderSpec
        switch MT4ServerOrderSpec.parse(bytes) {
        case .success(let parsed): spec = parsed
        case .failure(let error): return .respond(status: 400, body: MT4ServerWire.malformedPrefix + error.reason)
        }
        // Bridge refusals (`-…` reply) come back as 200 `-1`.
        let rejected = MT4ServerOutcome.respond(status: 200, body: "-1")
        guard let symbol = spec.pair, broker.isTradable(symbol),
            let side = spec.op.flatMap(MT4ServerSide.init(rawValue:)),
            !spec.amount.isNaN, spec.amount > 0, spec.amount <= Self.maxAmount,
            let quote = self.market.quote(broker: broker, symbol: symbol)
        else { return rejected }
        let price = side == .buy ? quote.ask : quote.bid
        let withhold = self.faults.settings.hangOrders
        let ticket = self.book.withLock {
            $0.place(
                broker: broker.id, symbol: symbol, side: side, amount: spec.amount, price: price, at: Date(),
                responseWithheld: withhold)
        }
        guard let ticket else { return rejected }
        self.logger.debug("Order accepted", metadata: ["order.ticket": "\(ticket)", "order.withheld": "\(withhold)"])
        if withhold {
            await self.held.hold(limit: self.configuration.maxWithheld, channel: channel)
            return .drop
        }
        return .respond(status: 200, body: String(ticket))
    }

    /// `DELETE /exchanges/{broker}/orders/{id}`: closes at the bid (buy) or ask (sell), books the profit.
    func closeOrder(_ broker: MT4ServerBroker, ticket: Int) -> MT4ServerOutcome {
        guard let order = self.book.withLock({ $0.openOrder(broker: broker.id, ticket: ticket) }) else {
            return .respond(status: 200, body: "false")
        }
        let (price, profit) = self.valuation(of: order, broker: broker)
        let closed = self.book.withLock {
            $0.close(broker: broker.id, ticket: ticket, price: price, profit: profit, at: Date())
        }
        return .respond(status: 200, body: closed ? "true" : "false")
    }

    /// `GET /exchanges/{broker}/balance`, as Java's `Double.toString`.
    func balanceOutcome(_ broker: MT4ServerBroker) -> MT4ServerOutcome {
        let balance = self.book.withLock { $0.balance(broker: broker.id) }
        return .respond(status: 200, body: JavaDouble.format(balance.doubleValue))
    }

    /// `GET /exchanges/{broker}/tickers[?tickers=A,B]`; `[]` when any requested ticker is unknown.
    func tickers(_ broker: MT4ServerBroker, query: String?) -> MT4ServerOutcome {
        let requested = MT4ServerWire.queryParameter("tickers", in: query).map { MT4ServerWire.javaSplit($0) }
        let symbols = requested ?? broker.symbols
        let quotes = symbols.map { self.market.quote(broker: broker, symbol: $0) }
        guard !symbols.isEmpty, quotes.allSatisfy({ $0 != nil }) else {
            return .respond(status: 200, body: "[]")
        }
        return .respond(status: 200, body: GsonValue.array(quotes.map(MT4ServerWire.tickerJSON)).json)
    }

    /// Closing price and profit of `order` at the current quote, in the account currency (USD), to the cent.
    func valuation(of order: MT4ServerOrder, broker: MT4ServerBroker) -> (price: Decimal, profit: Decimal) {
        guard let instrument = MT4ServerCatalog.instruments[order.symbol],
            let quote = self.market.quote(broker: broker, symbol: order.symbol)
        else { return (order.openPrice, 0) }
        let price = order.side == .buy ? quote.bid : quote.ask
        let move = order.side == .buy ? price - order.openPrice : order.openPrice - price
        let inQuoteCurrency = move * order.amount * instrument.contractSize
        let profit = (inQuoteCurrency * self.usdPerUnit(of: instrument.quoteCurrency, broker: broker)).rounded(scale: 2)
        return (price, profit)
    }

    private func usdPerUnit(of currency: String, broker: MT4ServerBroker) -> Decimal {
        switch currency {
        case "EUR": self.market.mid(broker: broker, symbol: "EURUSD")
        case "JPY": 1 / self.market.mid(broker: broker, symbol: "USDJPY")
        case "BTC": self.market.mid(broker: broker, symbol: "BTCUSD")
        default: 1
        }
    }
}
