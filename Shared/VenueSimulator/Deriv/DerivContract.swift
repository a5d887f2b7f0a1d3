import Foundation

/// One bought contract of the Deriv venue, open or finished.
///
/// Valuation (simulator choices, unverified):
/// - MULTUP/MULTDOWN: value = stake + stake × multiplier × direction × (spot − entry) / entry − commission,
///   rounded to cents and never below 0 (`bid_price`); `profit` = bid − buy price. The contract closes by itself at
///   the first price step where the value reaches 0 (stop out: status `lost`, sold for 0), the profit reaches
///   `take_profit`, or the loss reaches `stop_loss` (status `sold`, sold for the bid). Spots are the quote (mid) of
///   the symbol.
/// - CALL/PUT: settled at expiry against the barrier (the entry spot, or the entry spot plus a relative barrier,
///   or an absolute barrier): CALL wins when the exit spot is strictly above it, PUT when strictly below; a win pays
///   `payout` (status `won`), a loss 0 (status `lost`). Before expiry `bid_price` shows what settling now would pay;
///   CALL/PUT are not resold (`is_valid_to_sell` 0).
struct DerivContract: Sendable {
    enum Status: String, Sendable {
        case open, sold, won, lost, cancelled
    }

    /// Multipliers have no expiry; their `date_expiry` is this far-future epoch (simulator choice, unverified).
    static let noExpiry: Int64 = 9_999_999_999

    let id: Int64
    let buyTransactionID: Int64
    var sellTransactionID: Int64?
    let spec: DerivContractSpec
    let buyPrice: Decimal
    let entrySpot: Decimal
    let purchaseDate: Date
    /// CALL/PUT expiry.
    let expiryDate: Date?
    /// CALL/PUT barrier level.
    let barrierLevel: Decimal?
    /// End of the deal-cancellation window.
    let cancellationExpiry: Date?
    var takeProfit: Decimal?
    var stopLoss: Decimal?
    var limitOrderDate: Date
    var status = Status.open
    var sellPrice: Decimal?
    var sellDate: Date?
    var exitSpot: Decimal?
    /// The latest spot the contract was valued at.
    var currentSpot: Decimal
    var currentSpotDate: Date
    /// Whether the `buy` answer was withheld (`hangOrders`).
    let responseWithheld: Bool
    /// The `app_id` of the connection that bought it.
    let appID: Int64?

    init(
        id: Int64, transactionID: Int64, spec: DerivContractSpec, quote: DerivQuote, tickInterval: Duration,
        responseWithheld: Bool, appID: Int64?
    ) {
        (self.id, self.buyTransactionID, self.spec) = (id, transactionID, spec)
        self.buyPrice = spec.askPrice
        self.entrySpot = quote.quote
        self.purchaseDate = quote.time
        (self.currentSpot, self.currentSpotDate) = (quote.quote, quote.time)
        self.expiryDate = spec.lifetime(tickInterval: tickInterval).map {
            quote.time.addingTimeInterval(Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18)
        }
        self.barrierLevel = spec.type.isMultiplier ? nil : Self.barrier(spec.barrier, entry: quote.quote)
        self.cancellationExpiry = spec.cancellation.map { quote.time.addingTimeInterval(Double($0.minutes * 60)) }
        (self.takeProfit, self.stopLoss, self.limitOrderDate) = (spec.takeProfit, spec.stopLoss, quote.time)
        (self.responseWithheld, self.appID) = (responseWithheld, appID)
    }

    private static func barrier(_ text: String?, entry: Decimal) -> Decimal {
        guard let text, let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            return entry
        }
        return text.hasPrefix("+") || text.hasPrefix("-") ? entry + value : value
    }

    var isOpen: Bool { self.status == .open }

    /// `date_expiry` / `expiry_time`: the expiry rounded up to a second, or ``noExpiry``.
    var expiryEpoch: Int64 {
        self.expiryDate.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? Self.noExpiry
    }

    /// Value (`bid_price`) and profit at `spot`.
    func valuation(at spot: Decimal) -> (bid: Decimal, profit: Decimal) {
        if let multiplier = self.spec.multiplier {
            let move = self.spec.stake * multiplier * self.spec.type.direction * (spot - self.entrySpot)
                / self.entrySpot
            let bid = max(0, (self.spec.stake + move - self.spec.commission).rounded(scale: 2))
            return (bid, bid - self.buyPrice)
        }
        let bid = self.isWinning(at: spot) ? self.spec.payout : 0
        return (bid, bid - self.buyPrice)
    }

    private func isWinning(at spot: Decimal) -> Bool {
        let barrier = self.barrierLevel ?? self.entrySpot
        return self.spec.type == .call ? spot > barrier : spot < barrier
    }

    /// Whether the deal-cancellation window is open at `now`.
    func canCancel(at now: Date) -> Bool {
        guard self.isOpen, let end = self.cancellationExpiry else { return false }
        return now < end
    }

    /// Revalues the open contract at `quote` and closes it when a limit or the expiry is reached; returns the
    /// amount to credit to the balance when it closed (else `nil`); `transactionID` is the sale's transaction id then.
    mutating func advance(to quote: DerivQuote, transactionID: Int64) -> Decimal? {
        guard self.isOpen else { return nil }
        (self.currentSpot, self.currentSpotDate) = (quote.quote, quote.time)
        let (bid, profit) = self.valuation(at: quote.quote)
        if self.spec.type.isMultiplier {
            if bid <= 0 {
                self.close(.lost, price: 0, quote: quote, transaction: transactionID)
                return 0
            }
            let takeProfitHit = self.takeProfit.map { profit >= $0 } ?? false
            let stopLossHit = self.stopLoss.map { profit <= -$0 } ?? false
            guard takeProfitHit || stopLossHit else { return nil }
            self.close(.sold, price: bid, quote: quote, transaction: transactionID)
            return bid
        }
        guard let expiry = self.expiryDate, quote.time >= expiry else { return nil }
        self.close(bid > 0 ? .won : .lost, price: bid, quote: quote, transaction: transactionID)
        return bid
    }

    /// Marks the contract finished.
    mutating func close(_ status: Status, price: Decimal, quote: DerivQuote, transaction: Int64) {
        self.status = status
        self.sellPrice = price
        self.sellDate = quote.time
        self.exitSpot = quote.quote
        (self.currentSpot, self.currentSpotDate) = (quote.quote, quote.time)
        self.sellTransactionID = transaction
    }

    // MARK: - Descriptions

    /// `longcode` (simulator wording).
    var longcode: String { self.spec.longcode }

    /// `shortcode` (simulator format, modelled on Deriv's `TYPE_SYMBOL_AMOUNT_…`).
    var shortcode: String {
        let start = self.purchaseDate.epochSeconds
        switch self.spec.type {
        case .multUp, .multDown:
            return "\(self.spec.type.rawValue)_\(self.spec.symbol.symbol)_\(self.spec.stake.money)_"
                + "\(self.spec.multiplier ?? 0)_\(start)_\(self.expiryEpoch)_\(self.spec.cancellation?.label ?? "")_"
                + "\(self.spec.commission.money)"
        case .call, .put:
            let level = (self.barrierLevel ?? self.entrySpot).fixed(self.spec.symbol.pipDecimals)
            return "\(self.spec.type.rawValue)_\(self.spec.symbol.symbol)_\(self.spec.payout.money)_\(start)_"
                + "\(self.expiryEpoch)_S\(level)P_0"
        }
    }

    /// The admin API's view: `broker` the loginid, `ticket` the contract id, `amount` the stake, `op` buy for
    /// MULTUP/CALL and sell for MULTDOWN/PUT, `openPrice` the entry spot, `closePrice` the exit spot and `profit`
    /// the realised profit (sale price − buy price).
    func record(loginID: String) -> SimulatedOrderRecord {
        SimulatedOrderRecord(
            broker: loginID, ticket: self.id, pair: self.spec.symbol.symbol, amount: self.spec.stake,
            op: self.spec.type.side, status: self.isOpen ? "open" : "closed", openedAt: self.purchaseDate,
            openPrice: self.entrySpot, responseWithheld: self.responseWithheld, closedAt: self.sellDate,
            closePrice: self.exitSpot, profit: self.sellPrice.map { $0 - self.buyPrice })
    }
}
