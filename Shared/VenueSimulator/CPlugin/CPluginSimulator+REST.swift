import Foundation
import Synchronization

extension CPluginSimulator {
    /// The read endpoints, for the known trade platform (the caller answers `NotFound` for any other).
    ///
    /// - `ServerTime`: the current UTC time, whole seconds.
    /// - `TradesGet`: every open trade, by ticket, in one page. With `limit` (1...5000, else `Validation`) at most that
    ///   many, and `meta.paging` `{nextCursor, hasMore}`; `cursor` (an opaque `nextCursor`; an unreadable one is
    ///   `Validation`) continues after the last ticket of the previous page. `TradesGet/{ticket}`: the open trade,
    ///   else `NotFound`.
    /// - `TradesGetByLogin/{login}/{group}`: the open trades of the account; an unknown login or a group that is not
    ///   the account's gives an empty list (the pump cache is keyed by login and group), not `NotFound`.
    /// - `TradeRecordGet/{order}`: the record, open or closed, else `NotFound`.
    /// - `MarginLevelGet/{login}`, `UserRecordGet/{login}`: the account, else `NotFound`. Unlike the vendor's
    ///   description of `MarginLevelGet`, an account without open trades is answered too (zero margin, level 0).
    /// - `TickInfoLast`: the current quote of every symbol in configuration order; `TickInfoLast/{symbol}`: one
    ///   quote (symbol names are case-sensitive), else `NotFound`.
    ///
    /// A path parameter that is not a number where the API expects one is `Validation`.
    func read(_ endpoint: CPluginEndpoint) -> Result<(data: OrderedJSON, paging: CPluginPaging?), CPluginAPIError> {
        do throws(CPluginAPIError) {
            if case .tradesGet(let limit, let cursor) = endpoint {
                return .success(try self.tradesPage(limit: limit, cursor: cursor))
            }
            return try self.readData(endpoint).map { ($0, nil) }
        } catch {
            return .failure(error)
        }
    }

    private func readData(_ endpoint: CPluginEndpoint) throws(CPluginAPIError) -> Result<OrderedJSON, CPluginAPIError> {
        let now = Date()
        switch endpoint {
        case .serverTime:
            return .success(.dateTime(now))
        case .tradesGet:
            return .success(.array(self.book.withLock { $0.openTrades() }.map(self.tradeJSON)))
        case .tradesGetTicket(let text):
            let ticket = try Self.int32(text, name: "ticket")
            guard let trade = self.book.withLock({ $0.trade(ticket) }), trade.isOpen else {
                return .failure(.notFound("Open trade \(ticket) was not found."))
            }
            return .success(self.tradeJSON(trade))
        case .tradesGetByLogin(let loginText, let group):
            let login = try Self.int32(loginText, name: "login")
            guard login == self.configuration.login, group == self.configuration.group else {
                return .success(.array([]))
            }
            return .success(.array(self.book.withLock { $0.openTrades(login: login) }.map(self.tradeJSON)))
        case .tradeRecordGet(let text):
            let order = try Self.int32(text, name: "order")
            guard let trade = self.book.withLock({ $0.trade(order) }) else {
                return .failure(.notFound("Trade record \(order) was not found."))
            }
            return .success(self.tradeJSON(trade))
        case .marginLevelGet(let text):
            let account = try self.account(text)
            return .success(CPluginDTO.marginLevel(account, now: now))
        case .userRecordGet(let text):
            let account = try self.account(text)
            return .success(CPluginDTO.user(account, startingBalance: self.configuration.startingBalance, now: now))
        case .tickInfoLast(nil):
            let quotes = self.configuration.symbols.compactMap { self.market.quote($0.name, now: now) }
            return .success(.array(quotes.map(CPluginDTO.tick)))
        case .tickInfoLast(let symbol?):
            guard let quote = self.market.quote(symbol, now: now) else {
                return .failure(.notFound("No tick for symbol '\(symbol)'."))
            }
            return .success(CPluginDTO.tick(quote))
        case .tradeTransaction:
            return .failure(.validation("TradeTransaction is a POST."))
        }
    }

    /// `TradesGet[?limit=&cursor=]`: open trades after the cursor's ticket, at most `limit`, with paging when asked.
    private func tradesPage(
        limit limitText: String?, cursor: String?
    ) throws(CPluginAPIError) -> (data: OrderedJSON, paging: CPluginPaging?) {
        var after: Int32 = 0
        if let cursor {
            guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
                text.hasPrefix("after:"), let ticket = Int32(text.dropFirst("after:".count))
            else { throw .validation("The cursor '\(cursor)' is not valid.") }
            after = ticket
        }
        var limit: Int?
        if let limitText {
            guard let value = Int(limitText), (1...5_000).contains(value) else {
                throw .validation("The value '\(limitText)' is not valid for limit (1...5000).")
            }
            limit = value
        }
        let open = self.book.withLock { $0.openTrades() }.filter { $0.order > after }
        guard let limit else { return (.array(open.map(self.tradeJSON)), cursor.map { _ in CPluginPaging() }) }
        let page = Array(open.prefix(limit))
        let next = open.count > limit ? page.last.map { Data("after:\($0.order)".utf8).base64EncodedString() } : nil
        return (.array(page.map(self.tradeJSON)), CPluginPaging(nextCursor: next))
    }

    /// `MT4Trade` of `trade`: while open, `closePrice` is the current closing price and `profit` the floating profit.
    func tradeJSON(_ trade: CPluginTrade) -> OrderedJSON {
        if trade.isOpen {
            let (price, profit) = self.valuation(of: trade)
            return CPluginDTO.trade(trade, closePrice: price, profit: profit)
        }
        return CPluginDTO.trade(trade, closePrice: trade.closePrice ?? trade.openPrice, profit: trade.profit ?? 0)
    }

    /// The account `text` names, valued now; `NotFound` for any other login.
    private func account(_ text: String) throws(CPluginAPIError) -> CPluginDTO.Account {
        let login = try Self.int32(text, name: "login")
        guard login == self.configuration.login else { throw .notFound("Account \(login) was not found.") }
        let (balance, open) = self.book.withLock { ($0.balance, $0.openTrades(login: login)) }
        return CPluginDTO.Account(
            login: login, group: self.configuration.group, leverage: self.configuration.leverage, balance: balance,
            equity: balance + open.reduce(0) { $0 + self.valuation(of: $1).profit },
            margin: open.reduce(0) { $0 + $1.margin }, volume: open.reduce(0) { $0 + Int64($1.volume) },
            registered: self.startedAt)
    }

    /// An `int32` path parameter, else `Validation` ("The value 'x' is not valid for login.", ASP.NET's words).
    static func int32(_ text: String, name: String) throws(CPluginAPIError) -> Int32 {
        guard let value = Int32(text) else { throw .validation("The value '\(text)' is not valid for \(name).") }
        return value
    }

    // MARK: - Valuation

    /// Closing price (bid for a long, ask for a short) and floating profit of the open `trade`, in USD to the cent.
    func valuation(of trade: CPluginTrade) -> (price: Decimal, profit: Decimal) {
        guard let quote = self.market.quote(trade.symbol.name) else { return (trade.openPrice, 0) }
        let price = trade.side == .buy ? quote.bid : quote.ask
        let profit = Self.profit(trade.symbol, side: trade.side, lots: trade.lots, open: trade.openPrice, close: price)
        return (price, profit)
    }

    /// Profit in USD of `lots` of `symbol` opened at `open` and closed at `close`, to the cent: the price move times
    /// lots times contract size, divided by the closing price when USD is the base currency (USDJPY).
    static func profit(
        _ symbol: CPluginSymbol, side: CPluginSide, lots: Decimal, open: Decimal, close: Decimal
    ) -> Decimal {
        let move = side == .buy ? close - open : open - close
        var amount = move * lots * symbol.contractSize
        if symbol.accountCurrencyIsBase, close > 0 { amount /= close }
        return amount.rounded(scale: 2)
    }

    /// Margin in USD that `lots` of `symbol` at `price` ties up: lots × contract size × price / leverage, divided by
    /// the price again when USD is the base currency (the notional is then already in USD), to the cent.
    func margin(_ symbol: CPluginSymbol, lots: Decimal, price: Decimal) -> Decimal {
        var notional = lots * symbol.contractSize * price
        if symbol.accountCurrencyIsBase, price > 0 { notional /= price }
        return (notional / Decimal(self.configuration.leverage)).rounded(scale: 2)
    }
}
