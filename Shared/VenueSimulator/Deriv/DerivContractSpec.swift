import Foundation

/// The contract types the simulator prices and trades.
enum DerivContractType: String, Sendable {
    case multUp = "MULTUP"
    case multDown = "MULTDOWN"
    case call = "CALL"
    case put = "PUT"

    var isMultiplier: Bool { self == .multUp || self == .multDown }

    /// +1 when the contract gains as the price rises, −1 when it gains as it falls.
    var direction: Decimal { self == .multUp || self == .call ? 1 : -1 }

    /// The generic order side the admin API reports: `buy` for MULTUP and CALL, `sell` for MULTDOWN and PUT.
    var side: String { self == .multUp || self == .call ? "buy" : "sell" }
}

/// A deal-cancellation window of a multiplier contract.
struct DerivCancellation: Sendable {
    /// The request's spelling (`5m` … `60m`).
    var label: String
    var minutes: Int
    /// What the window costs on top of the stake.
    var fee: Decimal

    /// The windows offered (the task's list).
    static let offered = ["5m": 5, "10m": 10, "15m": 15, "30m": 30, "60m": 60]
}

/// Validated, priced contract parameters (of `proposal`, or of `buy` with `parameters`).
///
/// Pricing (simulator choices, unverified):
/// - MULTUP/MULTDOWN: the ask is the stake, plus the deal-cancellation fee when `cancellation` is asked for
///   (stake × (1% + 0.05% per minute of window), rounded to cents). `payout` is 0 (a multiplier has none). The
///   commission is stake × multiplier × 0.005%, rounded to cents, taken from the contract's value.
/// - CALL/PUT: `basis: stake` (the default) buys a payout of stake × 1.95; `basis: payout` costs payout / 1.95,
///   rounded to cents.
/// - The stake (the ask of CALL/PUT) must be 1…2000 USD; amounts have at most 2 decimals.
struct DerivContractSpec: Sendable {
    /// CALL/PUT payout per unit of stake.
    static let payoutRatio = Decimal(string: "1.95")!
    /// Multiplier commission as a share of the notional (stake × multiplier).
    static let commissionRate = Decimal(string: "0.00005")!
    static let minimumStake: Decimal = 1
    static let maximumStake: Decimal = 2_000
    /// Duration range per unit (`t` ticks, `s`, `m`, `h`, `d`).
    static let durationRanges: [String: ClosedRange<Int64>] = [
        "t": 1...10, "s": 15...86_400, "m": 1...1_440, "h": 1...24, "d": 1...365,
    ]
    /// Parameters the simulator does not price (refused with ContractBuyValidationError).
    private static let unsupported = [
        "barrier2", "barrier_range", "date_expiry", "date_start", "growth_rate", "payout_per_point", "selected_tick",
        "trade_risk_profile", "trading_period_start",
    ]

    var type: DerivContractType
    var symbol: DerivSymbol
    var currency = "USD"
    /// Money at risk: the stake of a multiplier, the price of a CALL/PUT.
    var stake: Decimal
    /// CALL/PUT payout; 0 for multipliers.
    var payout: Decimal
    var multiplier: Decimal?
    var commission: Decimal = 0
    var takeProfit: Decimal?
    var stopLoss: Decimal?
    var cancellation: DerivCancellation?
    /// CALL/PUT duration and unit.
    var duration: (amount: Int64, unit: String)?
    /// CALL/PUT barrier as requested (`+0.1` relative to the entry spot, `1234.5` absolute), or `nil` (the entry
    /// spot itself: rise/fall).
    var barrier: String?

    /// The price of the contract: the stake plus any cancellation fee.
    var askPrice: Decimal { self.stake + (self.cancellation?.fee ?? 0) }

    /// The contract's lifetime (CALL/PUT): one tick of a `t` duration is one price step of the simulator.
    func lifetime(tickInterval: Duration) -> Duration? {
        guard let duration else { return nil }
        switch duration.unit {
        case "t": return tickInterval * Int(duration.amount)
        case "m": return .seconds(duration.amount * 60)
        case "h": return .seconds(duration.amount * 3_600)
        case "d": return .seconds(duration.amount * 86_400)
        default: return .seconds(duration.amount)
        }
    }

    /// Validates and prices `parameters` (the members of `proposal`, or `buy.parameters`), already valid against the
    /// call's schema.
    static func parse(_ parameters: ExactJSON) -> Result<DerivContractSpec, DerivFailure> {
        func refuse(_ message: String) -> Result<DerivContractSpec, DerivFailure> {
            .failure(.contractBuyValidation(message))
        }
        let text = parameters["contract_type"]?.stringValue ?? ""
        guard let type = DerivContractType(rawValue: text) else {
            return refuse("Contract type \(text) is not offered (the simulator offers MULTUP, MULTDOWN, CALL and PUT).")
        }
        let symbolName = parameters["symbol"]?.stringValue ?? ""
        guard let symbol = DerivSymbol.named(symbolName) else {
            return refuse("Trading is not offered for symbol \(symbolName).")
        }
        let currency = parameters["currency"]?.stringValue ?? ""
        guard currency == "USD" else { return refuse("Currency \(currency) is not offered (USD only).") }
        if let field = Self.unsupported.first(where: { parameters[$0] != nil }) {
            return refuse("\(field) is not supported for \(type.rawValue) contracts.")
        }
        guard let amount = parameters["amount"]?.decimalValue else { return refuse("Please specify the amount.") }
        guard amount == amount.rounded(scale: 2) else {
            return refuse("The amount can not have more than 2 decimal places.")
        }
        let basis = parameters["basis"]?.stringValue ?? "stake"
        if type.isMultiplier {
            guard basis == "stake" else { return refuse("Basis must be stake for multiplier contracts.") }
            for field in ["duration", "duration_unit", "barrier"] where parameters[field] != nil {
                return refuse("\(field) is not allowed for multiplier contracts.")
            }
            return Self.multiplier(type, symbol: symbol, stake: amount, parameters: parameters)
        }
        for field in ["multiplier", "limit_order", "cancellation"] where parameters[field] != nil {
            return refuse("\(field) is not allowed for \(type.rawValue) contracts.")
        }
        guard let duration = parameters["duration"]?.int64Value else {
            return refuse("Please specify the duration of \(type.rawValue) contracts.")
        }
        let unit = parameters["duration_unit"]?.stringValue ?? "s"
        guard let range = Self.durationRanges[unit], range.contains(duration) else {
            let allowed = Self.durationRanges[unit].map { "\($0.lowerBound)...\($0.upperBound)" } ?? "?"
            return refuse("Duration \(duration)\(unit) is out of range (\(allowed)\(unit)).")
        }
        let stake = basis == "stake" ? amount : (amount / Self.payoutRatio).rounded(scale: 2)
        let payout = basis == "stake" ? (amount * Self.payoutRatio).rounded(scale: 2) : amount
        guard stake >= Self.minimumStake, stake <= Self.maximumStake else {
            return refuse("Stake must be between 1.00 and 2000.00 USD (it is \(stake.money) USD).")
        }
        var spec = DerivContractSpec(type: type, symbol: symbol, stake: stake, payout: payout)
        spec.duration = (duration, unit)
        spec.barrier = parameters["barrier"]?.stringValue
        return .success(spec)
    }

    private static func multiplier(
        _ type: DerivContractType, symbol: DerivSymbol, stake: Decimal, parameters: ExactJSON
    ) -> Result<DerivContractSpec, DerivFailure> {
        func refuse(_ message: String) -> Result<DerivContractSpec, DerivFailure> {
            .failure(.contractBuyValidation(message))
        }
        let offered = symbol.multipliers.map(\.description).joined(separator: ", ")
        guard let multiplier = parameters["multiplier"]?.decimalValue else {
            return refuse("Please specify the multiplier (\(symbol.symbol) offers \(offered)).")
        }
        guard symbol.multipliers.contains(multiplier) else {
            return refuse("Multiplier \(multiplier) is not offered for \(symbol.symbol) (it offers \(offered)).")
        }
        guard stake >= Self.minimumStake, stake <= Self.maximumStake else {
            return refuse("Stake must be between 1.00 and 2000.00 USD.")
        }
        var spec = DerivContractSpec(type: type, symbol: symbol, stake: stake, payout: 0, multiplier: multiplier)
        spec.commission = (stake * multiplier * Self.commissionRate).rounded(scale: 2)
        if let limit = parameters["limit_order"] {
            if let value = limit["take_profit"] {
                guard let amount = value.decimalValue, amount > 0, amount == amount.rounded(scale: 2) else {
                    return refuse("Take profit must be a positive amount with at most 2 decimal places.")
                }
                spec.takeProfit = amount
            }
            if let value = limit["stop_loss"] {
                guard let amount = value.decimalValue, amount > 0, amount == amount.rounded(scale: 2), amount <= stake
                else {
                    return refuse("Stop loss must be a positive amount of at most the stake, with at most 2 decimals.")
                }
                spec.stopLoss = amount
            }
        }
        if let label = parameters["cancellation"]?.stringValue {
            guard let minutes = DerivCancellation.offered[label] else {
                return refuse("Deal cancellation \(label) is not offered (5m, 10m, 15m, 30m or 60m).")
            }
            guard spec.stopLoss == nil else {
                return refuse("Stop loss is not allowed together with deal cancellation.")
            }
            let fee = (stake * (Decimal(string: "0.01")! + Decimal(string: "0.0005")! * Decimal(minutes)))
                .rounded(scale: 2)
            spec.cancellation = DerivCancellation(label: label, minutes: minutes, fee: fee)
        }
        return .success(spec)
    }
}

extension DerivContractSpec {
    /// `longcode` (simulator wording).
    var longcode: String {
        let name = self.symbol.displayName
        switch self.type {
        case .multUp, .multDown:
            let word = self.type == .multUp ? "Up" : "Down"
            let change = self.type == .multUp ? "increase" : "decrease"
            return "If you select \"\(word)\", your total profit/loss will be the percentage \(change) in \(name), "
                + "multiplied by \(self.multiplier ?? 0), minus commissions."
        case .call, .put:
            let comparison = self.type == .call ? "strictly higher" : "strictly lower"
            let target = self.barrier.map { $0.hasPrefix("+") || $0.hasPrefix("-") ? "entry spot \($0)" : $0 }
                ?? "entry spot"
            let duration = self.duration.map { "\($0.amount)\($0.unit)" } ?? ""
            return "Win payout if \(name) is \(comparison) than \(target) at \(duration) after contract start time."
        }
    }
}

extension Decimal {
    /// The value with exactly two decimals (`10.00`, `-3.50`): `display_value` and messages.
    var money: String { self.fixed(2) }

    /// The value with exactly `decimals` decimals (prices as strings).
    func fixed(_ decimals: Int) -> String {
        guard decimals > 0 else { return self.rounded(scale: 0).description }
        let rounded = self.rounded(scale: decimals)
        let negative = rounded < 0
        var scale = Decimal(1)
        for _ in 0..<decimals { scale *= 10 }
        let units = ((negative ? -rounded : rounded) * scale).rounded(scale: 0).description
        let padded = String(repeating: "0", count: max(0, decimals + 1 - units.count)) + units
        return (negative ? "-" : "") + padded.dropLast(decimals) + "." + padded.suffix(decimals)
    }
}
