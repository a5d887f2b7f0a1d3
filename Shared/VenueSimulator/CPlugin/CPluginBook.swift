import Foundation

/// A trade command as MT4 names it (`TradeCommand`); the simulator trades market positions only.
enum CPluginSide: String, Sendable {
    case buy = "Buy"
    case sell = "Sell"

    var opposite: CPluginSide { self == .buy ? .sell : .buy }
}

/// One trade record of the CPlugin venue: an open position, a closed one, or the closed part of a partial close.
struct CPluginTrade: Sendable {
    /// Lifecycle state, spelled as `TradeRecordState`.
    enum State: String, Sendable {
        case open = "OpenNormal"
        case closed = "ClosedNormal"
        case closedPart = "ClosedPart"
    }

    var order: Int32
    var login: Int32
    var symbol: CPluginSymbol
    var side: CPluginSide
    /// Lots × 100.
    var volume: Int32
    var openPrice: Decimal
    var openTime: Date
    var sl: Decimal
    var tp: Decimal
    var comment: String?
    /// Margin (USD) the position ties up, fixed at the open price.
    var margin: Decimal
    var state: State = .open
    var closeTime: Date?
    var closePrice: Decimal?
    /// Realised profit (USD), once closed.
    var profit: Decimal?
    /// Last modification.
    var timeStamp: Date
    /// Whether the response to the opening request was withheld (`hangOrders`).
    var responseWithheld: Bool

    var isOpen: Bool { self.state == .open }
    var lots: Decimal { Decimal(Int(self.volume)) / 100 }

    /// The admin API's view (`broker` is the login).
    var record: SimulatedOrderRecord {
        SimulatedOrderRecord(
            broker: String(self.login), ticket: Int64(self.order), pair: self.symbol.name, amount: self.lots,
            op: self.side == .buy ? "buy" : "sell", status: self.isOpen ? "open" : "closed", openedAt: self.openTime,
            openPrice: self.openPrice, responseWithheld: self.responseWithheld, closedAt: self.closeTime,
            closePrice: self.closePrice, profit: self.profit)
    }
}

/// A cached `TradeTransaction` answer (the `Idempotency-Key` store).
struct CPluginIdempotentAnswer: Sendable {
    /// SHA-256 of the request path and body: a repeat must match it to get the cached envelope.
    var fingerprint: [UInt8]
    /// The exact envelope first answered (or withheld).
    var envelope: String
}

/// Trades, the account balance and the idempotency store of the CPlugin venue (kept inside a `Mutex` by
/// ``CPluginSimulator``, so that an idempotency check and the trade it guards are one atomic step).
struct CPluginBook: Sendable {
    /// First ticket handed out. Tickets are never reused, not even across resets.
    static let firstTicket: Int32 = 50_000_001
    /// Most idempotency keys remembered; the oldest are forgotten first.
    static let maxIdempotencyKeys = 100_000

    private(set) var trades: [CPluginTrade] = []
    private var indexByTicket: [Int32: Int] = [:]
    private(set) var balance: Decimal
    private var nextTicket = Self.firstTicket
    private let startingBalance: Decimal
    private var answers: [String: CPluginIdempotentAnswer] = [:]
    private var answerOrder: [String] = []
    /// Repeats answered from the idempotency store since the last reset.
    private(set) var idempotentReplays = 0

    init(startingBalance: Decimal) {
        self.startingBalance = startingBalance
        self.balance = startingBalance
    }

    /// The next ticket, or `nil` when tickets (32-bit, as in MT4) ran out.
    mutating func takeTicket() -> Int32? {
        guard self.nextTicket < Int32.max else { return nil }
        defer { self.nextTicket += 1 }
        return self.nextTicket
    }

    /// Records a trade (its ticket from ``takeTicket()``).
    mutating func add(_ trade: CPluginTrade) {
        self.indexByTicket[trade.order] = self.trades.count
        self.trades.append(trade)
    }

    /// The trade record `order`, open or closed.
    func trade(_ order: Int32) -> CPluginTrade? {
        self.indexByTicket[order].map { self.trades[$0] }
    }

    /// Open trades, by ticket; only those of `login` when given.
    func openTrades(login: Int32? = nil) -> [CPluginTrade] {
        self.trades.filter { $0.isOpen && (login == nil || $0.login == login) }
    }

    /// Closes `volume` of the open trade `order` at `price`, books `profit` and returns the ticket of the remaining
    /// open part, if any. A partial close works as in MT4: the original ticket becomes the closed part (state
    /// `ClosedPart`, comment `to #<new>`) and the rest continues under a new ticket (comment `from #<old>`).
    mutating func close(_ order: Int32, volume: Int32, price: Decimal, profit: Decimal, at date: Date) -> Int32? {
        guard let index = self.indexByTicket[order], self.trades[index].isOpen else { return nil }
        var remainder: Int32?
        let original = self.trades[index]
        if volume < original.volume, let ticket = self.takeTicket() {
            var rest = original
            rest.order = ticket
            rest.volume = original.volume - volume
            let share = Decimal(Int(rest.volume)) / Decimal(Int(original.volume))
            rest.margin = (original.margin * share).rounded(scale: 2)
            rest.comment = "from #\(order)"
            rest.timeStamp = date
            rest.responseWithheld = false
            self.trades[index].volume = volume
            self.trades[index].margin = original.margin - rest.margin
            self.trades[index].comment = "to #\(ticket)"
            self.trades[index].state = .closedPart
            remainder = ticket
            self.add(rest)
        } else {
            self.trades[index].state = .closed
        }
        self.trades[index].closeTime = date
        self.trades[index].closePrice = price
        self.trades[index].profit = profit
        self.trades[index].timeStamp = date
        self.balance += profit
        return remainder
    }

    // MARK: - Idempotency

    /// The answer cached for `key` of `clientID`.
    func answer(clientID: String, key: String) -> CPluginIdempotentAnswer? {
        self.answers[Self.storeKey(clientID: clientID, key: key)]
    }

    /// Counts a repeat answered from the store.
    mutating func countReplay() {
        self.idempotentReplays += 1
    }

    /// Caches the first answer for `key` of `clientID`.
    mutating func remember(_ answer: CPluginIdempotentAnswer, clientID: String, key: String) {
        let storeKey = Self.storeKey(clientID: clientID, key: key)
        guard self.answers[storeKey] == nil else { return }
        self.answers[storeKey] = answer
        self.answerOrder.append(storeKey)
        if self.answerOrder.count > Self.maxIdempotencyKeys {
            let forgotten = self.answerOrder.count - Self.maxIdempotencyKeys / 2
            for key in self.answerOrder.prefix(forgotten) { self.answers[key] = nil }
            self.answerOrder.removeFirst(forgotten)
        }
    }

    private static func storeKey(clientID: String, key: String) -> String {
        clientID + "\u{0}" + key
    }

    /// Forgets trades, the balance and the idempotency store; the ticket counter keeps counting.
    mutating func reset() {
        self.trades.removeAll()
        self.indexByTicket.removeAll()
        self.balance = self.startingBalance
        self.answers.removeAll()
        self.answerOrder.removeAll()
        self.idempotentReplays = 0
    }
}
