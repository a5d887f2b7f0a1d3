import Crypto
import Foundation
import Logging
import Synchronization

extension CPluginSimulator {
    /// `POST TradeTransaction`: market orders on the one account, answered with the v2 envelope.
    ///
    /// The body must be JSON (`application/json`, `text/json` or any `application/*+json`, else HTTP 415 with no
    /// body, as ASP.NET Core's input formatters answer); see ``CPluginTradeTransaction`` for how it is read.
    ///
    /// **Idempotency.** With an `Idempotency-Key` header (1...255 characters, else `Validation`), the first envelope
    /// produced for the key (per OAuth client id) is stored together with a SHA-256 fingerprint of the request path
    /// and body bytes. A repeat with the same fingerprint gets that exact envelope (same `activityId`) without
    /// trading; a repeat with another path or body gets `Validation` "Idempotency-Key reused with a different
    /// request" (not stored). Every envelope is stored, errors included. An envelope withheld by `hangOrders` is
    /// stored too, so that the client's retry learns the outcome. The check and the trade are one atomic step, so
    /// concurrent repeats trade once. The store is cleared by reset and keeps the newest 100 000 keys.
    ///
    /// **Trading** (``CPluginBook`` keeps the records):
    /// - `OpenMarket` + `Buy`/`Sell` (another command is `Validation`): `orderBy` must be the account's login, else
    ///   `MT4Error`/`BadAccountInfo`; an unknown symbol is `MT4Error`/`InvalidData`; `volume` outside 1...10000 is
    ///   `MT4Error`/`TradeBadVolume`; a margin (lots × contract size × price / leverage, in USD) above the free
    ///   margin (equity − margin) is `MT4Error`/`TradeNoMoney`. The fill is at the ask (Buy) or bid (Sell); `data`
    ///   is the request echoed with `order` = the new ticket and `price` = the fill price (`sl`/`tp` are recorded
    ///   and echoed, never triggered; the request's `price` hint and `ieDeviation` are ignored).
    /// - `CloseMarket`: `order` must be an open ticket (and `orderBy`, when not 0, its login; `symbol`, when given,
    ///   its symbol), else `MT4Error`/`InvalidData`; `tradeCommand` must be the opposite of the position's, else
    ///   `Validation`; `volume` 1...position volume (less closes part of it, see
    ///   ``CPluginBook/close(_:volume:price:profit:at:)``), else `MT4Error`/`TradeBadVolume`. The close is at the
    ///   bid (long) or ask (short) and the profit is booked; `data` is the echo with `price` = the close price.
    /// - `DeletePending`: `MT4Error`/`InvalidData` (there are no pending orders). Any other type: `Validation`.
    ///
    /// With `hangOrders`, an open or close that succeeded is booked but its response withheld until the connection
    /// closes (or ``CPluginSimulatorConfiguration/maxWithheld`` passes); errors are answered normally.
    func tradeTransaction(
        _ request: CPluginRequest, platformKnown: Bool, platform: String, clientID: String,
        body: () async throws -> [UInt8]
    ) async -> CPluginOutcome {
        let contentType = request.header("content-type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard contentType == "application/json" || contentType == "text/json"
            || (contentType.hasPrefix("application/") && contentType.hasSuffix("+json"))
        else { return .respond(.empty(415)) }
        guard let bytes = try? await body() else { return .respond(.empty(413)) }
        let key = request.header("idempotency-key")
        if let key, key.isEmpty || key.count > 255 {
            let error = CPluginAPIError.validation("The Idempotency-Key header must be 1...255 characters.")
            return .respond(.json(200, CPluginEnvelope.failure(error)))
        }
        let fingerprint = Array(SHA256.hash(data: Data(request.path.utf8) + [0x0A] + bytes))
        let withhold = self.faults.settings.hangOrders
        let (envelope, traded) = self.book.withLock { book -> (String, Bool) in
            if let key, let stored = book.answer(clientID: clientID, key: key) {
                guard stored.fingerprint == fingerprint else {
                    let error = CPluginAPIError.validation("Idempotency-Key reused with a different request")
                    return (CPluginEnvelope.failure(error), false)
                }
                book.countReplay()
                return (stored.envelope, false)
            }
            let result: Result<OrderedJSON, CPluginAPIError>
            if platformKnown {
                result = self.execute(bytes, book: &book, withheld: withhold)
            } else {
                result = .failure(.notFound("Trade platform '\(platform)' was not found."))
            }
            let envelope = CPluginEnvelope.make(result)
            if let key {
                book.remember(.init(fingerprint: fingerprint, envelope: envelope), clientID: clientID, key: key)
            }
            if case .success = result { return (envelope, true) }
            return (envelope, false)
        }
        if traded, withhold {
            self.logger.debug("Trade transaction response withheld")
            await self.held.hold(limit: self.configuration.maxWithheld, channel: request.channel)
            return .drop
        }
        return .respond(.json(200, envelope))
    }

    /// Reads and executes one transaction against `book`; the `data` echo or the error.
    private func execute(
        _ bytes: [UInt8], book: inout CPluginBook, withheld: Bool
    ) -> Result<OrderedJSON, CPluginAPIError> {
        let transaction: CPluginTradeTransaction
        switch CPluginTradeTransaction.parse(bytes) {
        case .success(let parsed): transaction = parsed
        case .failure(let error): return .failure(.validation(error.message))
        }
        do throws(CPluginAPIError) {
            switch transaction.tradeTransactionType {
            case "OpenMarket": return .success(try self.openMarket(transaction, book: &book, withheld: withheld))
            case "CloseMarket": return .success(try self.closeMarket(transaction, book: &book))
            case "DeletePending":
                throw .mt4("InvalidData", "Order \(transaction.order) is not a pending order.")
            case nil:
                throw .validation("tradeTransactionType is required.")
            case let other?:
                throw .validation(
                    "Transaction type '\(other)' is not supported (OpenMarket, CloseMarket, DeletePending).")
            }
        } catch {
            return .failure(error)
        }
    }

    private func openMarket(
        _ transaction: CPluginTradeTransaction, book: inout CPluginBook, withheld: Bool
    ) throws(CPluginAPIError) -> OrderedJSON {
        guard let side = transaction.tradeCommand.flatMap(CPluginSide.init(rawValue:)) else {
            throw .validation("OpenMarket needs tradeCommand Buy or Sell.")
        }
        let login = self.configuration.login
        guard transaction.orderBy == login else {
            throw .mt4("BadAccountInfo", "Account \(transaction.orderBy) was not found (orderBy must be the login).")
        }
        guard let symbolName = transaction.symbol, let quote = self.market.quote(symbolName) else {
            throw .mt4("InvalidData", "Unknown symbol '\(transaction.symbol ?? "")'.")
        }
        guard (1...Self.maxVolume).contains(transaction.volume) else {
            let message = "Invalid volume \(transaction.volume): must be 1...\(Self.maxVolume) (lots × 100)."
            throw .mt4("TradeBadVolume", message)
        }
        let symbol = quote.symbol
        let price = side == .buy ? quote.ask : quote.bid
        let lots = Decimal(Int(transaction.volume)) / 100
        let required = self.margin(symbol, lots: lots, price: price)
        let open = book.openTrades(login: login)
        let equity = book.balance + open.reduce(0) { $0 + self.valuation(of: $1).profit }
        let free = equity - open.reduce(0) { $0 + $1.margin }
        guard required <= free else {
            throw .mt4("TradeNoMoney", "Not enough money: margin \(required) required, free margin \(free).")
        }
        guard let ticket = book.takeTicket() else { throw .mt4("TradeTooManyOrders", "No more tickets.") }
        let now = Date()
        book.add(
            CPluginTrade(
                order: ticket, login: login, symbol: symbol, side: side, volume: transaction.volume, openPrice: price,
                openTime: now, sl: transaction.sl, tp: transaction.tp, comment: transaction.comment, margin: required,
                timeStamp: now, responseWithheld: withheld))
        self.logger.debug("Trade opened", metadata: ["order.ticket": "\(ticket)", "order.withheld": "\(withheld)"])
        var echo = transaction
        echo.order = ticket
        echo.price = price
        return echo.json(digits: symbol.digits)
    }

    private func closeMarket(
        _ transaction: CPluginTradeTransaction, book: inout CPluginBook
    ) throws(CPluginAPIError) -> OrderedJSON {
        guard let trade = book.trade(transaction.order), trade.isOpen,
            transaction.orderBy == 0 || transaction.orderBy == trade.login,
            transaction.symbol == nil || transaction.symbol == "" || transaction.symbol == trade.symbol.name
        else { throw .mt4("InvalidData", "Order \(transaction.order) is not an open trade.") }
        guard transaction.tradeCommand == trade.side.opposite.rawValue else {
            let needed = trade.side.opposite.rawValue
            throw .validation("Closing a \(trade.side.rawValue) position needs tradeCommand \(needed).")
        }
        guard (1...trade.volume).contains(transaction.volume) else {
            let message = "Invalid close volume \(transaction.volume): the position has \(trade.volume)."
            throw .mt4("TradeBadVolume", message)
        }
        let lots = Decimal(Int(transaction.volume)) / 100
        let (price, _) = self.valuation(of: trade)
        let profit = Self.profit(trade.symbol, side: trade.side, lots: lots, open: trade.openPrice, close: price)
        let remainder = book.close(trade.order, volume: transaction.volume, price: price, profit: profit, at: Date())
        self.logger.debug(
            "Trade closed", metadata: ["order.ticket": "\(trade.order)", "order.remainder": "\(remainder ?? 0)"])
        var echo = transaction
        echo.price = price
        return echo.json(digits: trade.symbol.digits)
    }
}
