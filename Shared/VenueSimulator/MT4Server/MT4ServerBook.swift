import Foundation

/// An order side as MT4Server spells it (`op` in requests, `orderType` in responses).
enum MT4ServerSide: String, Sendable {
    case buy, sell
}

/// One order accepted by the simulated MT4Server.
struct MT4ServerOrder: Sendable {
    var ticket: Int
    var broker: String
    var symbol: String
    var side: MT4ServerSide
    var amount: Decimal
    var openPrice: Decimal
    var openedAt: Date
    var responseWithheld: Bool
    var closedAt: Date?
    var closePrice: Decimal?
    var profit: Decimal?

    var isOpen: Bool { self.closedAt == nil }

    var record: SimulatedOrderRecord {
        SimulatedOrderRecord(
            broker: self.broker, ticket: Int64(self.ticket), pair: self.symbol, amount: self.amount,
            op: self.side.rawValue, status: self.isOpen ? "open" : "closed", openedAt: self.openedAt,
            openPrice: self.openPrice, responseWithheld: self.responseWithheld, closedAt: self.closedAt,
            closePrice: self.closePrice, profit: self.profit)
    }
}

/// Orders and balances of every broker account (kept inside a `Mutex` by ``MT4ServerSimulator``).
struct MT4ServerBook: Sendable {
    /// First ticket handed out. Tickets are never reused, not even across resets.
    static let firstTicket = 10_000_001

    private(set) var orders: [MT4ServerOrder] = []
    private var indexByTicket: [Int: Int] = [:]
    private var balances: [String: Decimal] = [:]
    private var nextTicket = Self.firstTicket
    private let startingBalance: Decimal

    init(startingBalance: Decimal) {
        self.startingBalance = startingBalance
    }

    /// Records an accepted order; returns its ticket, or `nil` when tickets (32-bit, as in MT4) ran out.
    mutating func place(
        broker: String, symbol: String, side: MT4ServerSide, amount: Decimal, price: Decimal, at date: Date,
        responseWithheld: Bool
    ) -> Int? {
        guard self.nextTicket < Int(Int32.max) else { return nil }
        let ticket = self.nextTicket
        self.nextTicket += 1
        self.indexByTicket[ticket] = self.orders.count
        self.orders.append(
            MT4ServerOrder(
                ticket: ticket, broker: broker, symbol: symbol, side: side, amount: amount, openPrice: price,
                openedAt: date, responseWithheld: responseWithheld))
        return ticket
    }

    /// The open order `ticket` of `broker`, if any.
    func openOrder(broker: String, ticket: Int) -> MT4ServerOrder? {
        guard let index = self.indexByTicket[ticket] else { return nil }
        let order = self.orders[index]
        return order.broker == broker && order.isOpen ? order : nil
    }

    /// Closes the open order `ticket` of `broker` and books `profit`; `false` when there is no such open order.
    mutating func close(broker: String, ticket: Int, price: Decimal, profit: Decimal, at date: Date) -> Bool {
        guard self.openOrder(broker: broker, ticket: ticket) != nil, let index = self.indexByTicket[ticket] else {
            return false
        }
        self.orders[index].closedAt = date
        self.orders[index].closePrice = price
        self.orders[index].profit = profit
        self.balances[broker] = self.balance(broker: broker) + profit
        return true
    }

    /// Open orders of `broker`, oldest first.
    func openOrders(broker: String) -> [MT4ServerOrder] {
        self.orders.filter { $0.broker == broker && $0.isOpen }
    }

    /// Balance of `broker` (starting balance plus realised profits).
    func balance(broker: String) -> Decimal {
        self.balances[broker] ?? self.startingBalance
    }

    /// Forgets orders and balances; the ticket counter keeps counting.
    mutating func reset() {
        self.orders.removeAll()
        self.indexByTicket.removeAll()
        self.balances.removeAll()
    }
}
