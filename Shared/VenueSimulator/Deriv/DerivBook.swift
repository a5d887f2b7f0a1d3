import Foundation

/// A priced proposal, buyable once by its id until it expires.
struct DerivProposal: Sendable {
    var spec: DerivContractSpec
    var expiresAt: ContinuousClock.Instant
}

/// The one virtual account of the Deriv venue: its balance, contracts, open proposals, id counters and rate windows
/// (kept inside a `Mutex` by ``DerivSimulator``, so that a check and the trade it guards are one atomic step).
///
/// Contract ids start at 250000000001 and transaction ids at 500000000001 (simulator choice); neither is reused,
/// not even across resets.
struct DerivBook: Sendable {
    static let firstContractID: Int64 = 250_000_000_001
    static let firstTransactionID: Int64 = 500_000_000_001
    /// Most proposals kept; expired ones are dropped first, then the oldest.
    static let maxProposals = 10_000
    /// The rate-limit window.
    static let rateWindow: Duration = .seconds(60)

    private let startingBalance: Decimal
    private(set) var balance: Decimal
    /// Incremented on every balance change, so that balance streams know when to push.
    private(set) var balanceVersion = 0
    private(set) var contracts: [DerivContract] = []
    private var indexByID: [Int64: Int] = [:]
    private var proposals: [String: DerivProposal] = [:]
    private var nextContractID = Self.firstContractID
    private var nextTransactionID = Self.firstTransactionID
    private var rateWindows: [String: [ContinuousClock.Instant]] = [:]
    /// Calls refused with `RateLimit` since the last reset.
    private(set) var rateLimited = 0
    /// Answers withheld by `hangOrders` since the last reset.
    private(set) var withheldAnswers = 0

    init(startingBalance: Decimal) {
        self.startingBalance = startingBalance
        self.balance = startingBalance
    }

    /// The contract `id`, open or finished.
    func contract(_ id: Int64) -> DerivContract? {
        self.indexByID[id].map { self.contracts[$0] }
    }

    /// Open contracts, oldest first.
    var openContracts: [DerivContract] { self.contracts.filter(\.isOpen) }

    // MARK: - Rate limit

    /// Counts one call of `key`'s budget at `now`; `false` (and nothing counted) when `limit` calls already fell in
    /// the last 60 s.
    mutating func admit(_ key: String, limit: Int, now: ContinuousClock.Instant) -> Bool {
        var window = self.rateWindows[key, default: []]
        window.removeAll { now - $0 >= Self.rateWindow }
        guard window.count < limit else {
            self.rateWindows[key] = window
            self.rateLimited += 1
            return false
        }
        window.append(now)
        self.rateWindows[key] = window
        return true
    }

    /// Counts a withheld answer.
    mutating func countWithheld() {
        self.withheldAnswers += 1
    }

    // MARK: - Proposals

    /// Stores (or, for a proposal stream, refreshes) the proposal `id`.
    mutating func store(_ proposal: DerivProposal, id: String, now: ContinuousClock.Instant) {
        if self.proposals[id] == nil, self.proposals.count >= Self.maxProposals {
            self.proposals = self.proposals.filter { $0.value.expiresAt > now }
            if self.proposals.count >= Self.maxProposals,
                let oldest = self.proposals.min(by: { $0.value.expiresAt < $1.value.expiresAt })?.key
            {
                self.proposals[oldest] = nil
            }
        }
        self.proposals[id] = proposal
    }

    /// The live proposal `id`, if any.
    func proposal(_ id: String, now: ContinuousClock.Instant) -> DerivProposal? {
        self.proposals[id].flatMap { $0.expiresAt > now ? $0 : nil }
    }

    /// Removes and returns the proposal `id` when it is live (a proposal is bought once).
    mutating func takeProposal(_ id: String, now: ContinuousClock.Instant) -> DerivProposal? {
        guard let proposal = self.proposals.removeValue(forKey: id), proposal.expiresAt > now else { return nil }
        return proposal
    }

    // MARK: - Trading

    /// Buys `spec` at `quote` when `maximumPrice` covers the ask and the balance the price.
    mutating func buy(
        _ spec: DerivContractSpec, maximumPrice: Decimal, quote: DerivQuote, tickInterval: Duration,
        withheld: Bool, appID: Int64?
    ) -> Result<DerivContract, DerivFailure> {
        let price = spec.askPrice
        guard maximumPrice >= price else {
            return .failure(
                .priceMoved(
                    "The contract price (\(price.money) USD) is above your maximum price "
                        + "(\(maximumPrice.money) USD)."))
        }
        guard price <= self.balance else {
            return .failure(.insufficientBalance(balance: self.balance.money, price: price.money))
        }
        let contract = DerivContract(
            id: self.nextContractID, transactionID: self.takeTransactionID(), spec: spec, quote: quote,
            tickInterval: tickInterval, responseWithheld: withheld, appID: appID)
        self.nextContractID += 1
        self.indexByID[contract.id] = self.contracts.count
        self.contracts.append(contract)
        self.credit(-price)
        return .success(contract)
    }

    /// Sells the open contract `id` at its bid when the bid is at least `minimumPrice`.
    mutating func sell(_ id: Int64, minimumPrice: Decimal, quote: DerivQuote) -> Result<DerivContract, DerivFailure> {
        guard let index = self.indexByID[id], self.contracts[index].isOpen else { return .failure(.invalidSell()) }
        guard self.contracts[index].spec.type.isMultiplier else {
            return .failure(.invalidSell("Resale of this contract is not offered."))
        }
        let bid = self.contracts[index].valuation(at: quote.quote).bid
        guard minimumPrice <= bid else {
            return .failure(
                .priceMoved(
                    "The contract's sell price (\(bid.money) USD) is below your minimum price "
                        + "(\(minimumPrice.money) USD)."))
        }
        self.contracts[index].close(.sold, price: bid, quote: quote, transaction: self.takeTransactionID())
        self.credit(bid)
        return .success(self.contracts[index])
    }

    /// Cancels the open multiplier `id` inside its deal-cancellation window: the stake is refunded (the fee is kept).
    mutating func cancel(_ id: Int64, quote: DerivQuote) -> Result<DerivContract, DerivFailure> {
        guard let index = self.indexByID[id], self.contracts[index].isOpen else {
            return .failure(.invalidUpdate("This contract was not found among your open positions."))
        }
        let contract = self.contracts[index]
        guard contract.spec.cancellation != nil else {
            return .failure(.invalidUpdate("This contract was bought without deal cancellation."))
        }
        guard contract.canCancel(at: quote.time) else {
            return .failure(.invalidUpdate("The deal cancellation period of this contract has ended."))
        }
        self.contracts[index].close(
            .cancelled, price: contract.spec.stake, quote: quote, transaction: self.takeTransactionID())
        self.credit(contract.spec.stake)
        return .success(self.contracts[index])
    }

    /// Sets, replaces or removes (`.some(nil)`) the take profit and stop loss of the open multiplier `id`.
    mutating func update(
        _ id: Int64, takeProfit: Decimal??, stopLoss: Decimal??, quote: DerivQuote
    ) -> Result<DerivContract, DerivFailure> {
        guard let index = self.indexByID[id], self.contracts[index].isOpen else {
            return .failure(.invalidUpdate("This contract was not found among your open positions."))
        }
        let contract = self.contracts[index]
        guard contract.spec.type.isMultiplier else {
            return .failure(.invalidUpdate("Only multiplier contracts have a take profit and a stop loss."))
        }
        let profit = contract.valuation(at: quote.quote).profit
        if case .some(.some(let amount)) = takeProfit {
            guard amount > 0, amount == amount.rounded(scale: 2), amount > profit else {
                return .failure(
                    .invalidUpdate(
                        "Invalid take profit: it must be positive, with at most 2 decimals and above the current "
                            + "profit (\(profit.money))."))
            }
        }
        if case .some(.some(let amount)) = stopLoss {
            guard contract.canCancel(at: quote.time) == false else {
                return .failure(.invalidUpdate("Stop loss is not allowed while deal cancellation is active."))
            }
            guard amount > 0, amount == amount.rounded(scale: 2), amount <= contract.spec.stake, -amount < profit
            else {
                return .failure(
                    .invalidUpdate(
                        "Invalid stop loss: it must be positive, at most the stake, with at most 2 decimals and "
                            + "below the current loss."))
            }
        }
        if let takeProfit { self.contracts[index].takeProfit = takeProfit }
        if let stopLoss { self.contracts[index].stopLoss = stopLoss }
        self.contracts[index].limitOrderDate = quote.time
        return .success(self.contracts[index])
    }

    /// Revalues every open contract at its symbol's quote and closes those that reached a limit or their expiry.
    mutating func advance(quote: (DerivSymbol) -> DerivQuote) {
        for index in self.contracts.indices where self.contracts[index].isOpen {
            let current = quote(self.contracts[index].spec.symbol)
            if let credit = self.contracts[index].advance(to: current, transactionID: self.nextTransactionID) {
                self.nextTransactionID += 1
                self.credit(credit)
            }
        }
    }

    private mutating func takeTransactionID() -> Int64 {
        defer { self.nextTransactionID += 1 }
        return self.nextTransactionID
    }

    private mutating func credit(_ amount: Decimal) {
        guard amount != 0 else { return }
        self.balance += amount
        self.balanceVersion += 1
    }

    /// Restores the starting balance and forgets contracts, proposals, rate windows and counters; ids keep counting.
    mutating func reset() {
        self.balance = self.startingBalance
        self.balanceVersion += 1
        self.contracts.removeAll()
        self.indexByID.removeAll()
        self.proposals.removeAll()
        self.rateWindows.removeAll()
        self.rateLimited = 0
        self.withheldAnswers = 0
    }
}
