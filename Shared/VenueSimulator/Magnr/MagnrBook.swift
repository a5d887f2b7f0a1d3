import Foundation

/// One Magnr trade: a leveraged BTC position from its placement to its settlement.
struct MagnrTrade: Sendable {
    /// `pending` (placed, awaiting its fill) → `open` → `closed` (liquidated, awaiting settlement) → `settled`.
    enum Status: String, Sendable {
        case pending, open, closed, settled
    }

    /// `buy` (long) or `sell` (short), exactly as the API spells them.
    enum Side: String, Sendable {
        case buy, sell
    }

    /// Trade charge in percent of the size (S002's example value), taken for the open and the close together.
    static let tradeRate: Decimal = Decimal(string: "0.48")!
    /// Daily charge in percent (S002's example value); the simulator never charges it (`daily_fees` stays 0).
    static let dailyRate: Decimal = Decimal(string: "0.2")!

    var id: Int64
    /// The API key that placed the trade; only that key sees it.
    var publicKey: String
    var side: Side
    var leverage: Int
    /// Position size in BTC, exactly as received.
    var size: Decimal
    var exchange: String
    var pair: String
    var createdAt: Date
    /// The requested stop margin (USD), if any.
    var requestedStopMargin: Decimal?
    /// The requested take (USD), reported as `sell_limit`.
    var take: Decimal?
    var status: Status = .pending
    var openPrice: Decimal?
    var closePrice: Decimal?
    var closedAt: Date?
    var closedReason: String?
    /// Net profit in BTC, once settled.
    var profit: Decimal?
    /// When the pending trade fills.
    var fillDue: ContinuousClock.Instant
    /// When the closed trade settles.
    var settleDue: ContinuousClock.Instant?
    /// Whether the response to the placing request was withheld (`hangOrders`).
    var responseWithheld: Bool

    /// BTC reserved from the balance while the trade is pending or open: size / leverage.
    var deposit: Decimal { self.size / Decimal(self.leverage) }

    /// Trade fees in BTC: size × trade rate / 100, to the satoshi.
    var tradeFees: Decimal { (self.size * Self.tradeRate / 100).rounded(scale: 8) }

    /// Whether the trade holds a deposit (`pending` or `open`).
    var isLive: Bool { self.status == .pending || self.status == .open }

    /// The stop margin reported: the requested one, else (once open) the deposit's value in USD at the open price, to
    /// the cent (S002: "max stop for deposit"); `nil` while pending without a requested one.
    var stopMargin: Decimal? {
        self.requestedStopMargin ?? self.openPrice.map { (self.deposit * $0).rounded(scale: 2) }
    }

    /// The admin API's view: `broker` is the exchange, `openPrice` 0 while pending, `profit` in BTC.
    var record: SimulatedOrderRecord {
        SimulatedOrderRecord(
            broker: self.exchange, ticket: self.id, pair: self.pair, amount: self.size, op: self.side.rawValue,
            status: self.status.rawValue, openedAt: self.createdAt, openPrice: self.openPrice ?? 0,
            responseWithheld: self.responseWithheld, closedAt: self.closedAt, closePrice: self.closePrice,
            profit: self.profit)
    }
}

/// Trades, the BTC balance, the accepted tonces and the counters of the Magnr venue (kept inside a `Mutex` by
/// ``MagnrSimulator``, so that a tonce check and its recording, or a funds check and the trade it admits, are one
/// atomic step).
struct MagnrBook: Sendable {
    /// First trade id handed out (ids are never reused, not even across resets).
    static let firstID: Int64 = 1_001
    /// Most accepted tonces remembered for ``acceptedTonces``; the oldest half is forgotten beyond it.
    static let maxRememberedTonces = 100_000

    private(set) var trades: [MagnrTrade] = []
    private var indexByID: [Int64: Int] = [:]
    private(set) var balance: Decimal
    private var nextID = Self.firstID
    private let startingBalance: Decimal
    private var lastTonce: [String: Int64] = [:]
    private(set) var acceptedTonces: [Int64] = []
    /// Requests refused for their tonce (missing, outside the window, replayed) since the last reset.
    var tonceRejections = 0
    /// Requests refused with 401 (credentials missing or malformed, unknown key, wrong signature) since the reset.
    var signatureRejections = 0

    init(startingBalance: Decimal) {
        self.startingBalance = startingBalance
        self.balance = startingBalance
    }

    // MARK: - Tonces

    /// Accepts `tonce` for `publicKey` when it is above the key's last accepted one, and records it as the last.
    mutating func acceptTonce(_ tonce: Int64, publicKey: String) -> Bool {
        if let last = self.lastTonce[publicKey], tonce <= last { return false }
        self.lastTonce[publicKey] = tonce
        self.acceptedTonces.append(tonce)
        if self.acceptedTonces.count > Self.maxRememberedTonces {
            self.acceptedTonces.removeFirst(Self.maxRememberedTonces / 2)
        }
        return true
    }

    // MARK: - Trades

    /// BTC not reserved by deposits: the balance minus the deposits of pending and open trades.
    var available: Decimal {
        self.balance - self.trades.reduce(0) { $0 + ($1.isLive ? $1.deposit : 0) }
    }

    /// The next trade id.
    mutating func takeID() -> Int64 {
        defer { self.nextID += 1 }
        return self.nextID
    }

    /// Records a trade (its id from ``takeID()``).
    mutating func add(_ trade: MagnrTrade) {
        self.indexByID[trade.id] = self.trades.count
        self.trades.append(trade)
    }

    /// The trade `id`, in any state.
    func trade(_ id: Int64) -> MagnrTrade? {
        self.indexByID[id].map { self.trades[$0] }
    }

    /// Changes the trade `id` in place.
    mutating func update(_ id: Int64, _ change: (inout MagnrTrade) -> Void) {
        guard let index = self.indexByID[id] else { return }
        change(&self.trades[index])
    }

    /// Fills pending trades and settles closed ones whose time has come (`now`), at `quote()` (read only when
    /// something is due); returns the next instant something falls due, if any.
    ///
    /// A fill is at the ask for a buy and the bid for a sell. A settlement books the net profit: size × (close −
    /// open) / close for a long, negated for a short, minus the trade and daily fees, to the satoshi.
    mutating func advance(now: ContinuousClock.Instant, quote: () -> MagnrQuote) -> ContinuousClock.Instant? {
        var current: MagnrQuote?
        var next: ContinuousClock.Instant?
        for index in self.trades.indices {
            switch self.trades[index].status {
            case .pending where self.trades[index].fillDue <= now:
                let price = current ?? quote()
                current = price
                self.trades[index].openPrice = self.trades[index].side == .buy ? price.ask : price.bid
                self.trades[index].status = .open
            case .pending:
                next = min(next ?? self.trades[index].fillDue, self.trades[index].fillDue)
            case .closed:
                guard let due = self.trades[index].settleDue else { continue }
                guard due <= now else {
                    next = min(next ?? due, due)
                    continue
                }
                let profit = Self.netProfit(self.trades[index])
                self.trades[index].profit = profit
                self.trades[index].status = .settled
                self.balance += profit
            case .open, .settled:
                continue
            }
        }
        return next
    }

    /// Net profit of a closed trade in BTC, to the satoshi.
    static func netProfit(_ trade: MagnrTrade) -> Decimal {
        guard let open = trade.openPrice, let close = trade.closePrice, close > 0 else { return 0 }
        let move = trade.side == .buy ? close - open : open - close
        return (trade.size * move / close - trade.tradeFees).rounded(scale: 8)
    }

    /// Forgets trades, the balance, the last tonces and the counters; the id counter keeps counting.
    mutating func reset() {
        self.trades.removeAll()
        self.indexByID.removeAll()
        self.balance = self.startingBalance
        self.lastTonce.removeAll()
        self.acceptedTonces.removeAll()
        self.tonceRejections = 0
        self.signatureRejections = 0
    }
}
