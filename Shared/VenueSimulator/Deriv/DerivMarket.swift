import Foundation

/// One symbol of the Deriv venue: its display precision, price walk and the multipliers offered on it.
struct DerivSymbol: Sendable {
    var symbol: String
    var displayName: String
    /// Decimal places of quotes (`pip_size`); every price is rounded to them on the wire.
    var pipDecimals: Int
    /// Mid price the random walk starts from and reverts to.
    var base: Decimal
    /// Relative size of one random-walk step.
    var volatility: Double
    /// Half of the bid/ask spread (simulator choice, unverified).
    var halfSpread: Decimal
    /// Multipliers offered for MULTUP/MULTDOWN.
    var multipliers: [Decimal]
    var isSynthetic: Bool

    /// The pip: `10^-pipDecimals`.
    var pip: Decimal { Decimal(sign: .plus, exponent: -self.pipDecimals, significand: 1) }

    /// `market`, `market_display_name`, `submarket`, `submarket_display_name`, `subgroup`, `subgroup_display_name`,
    /// `symbol_type` and `exchange_name` as `active_symbols` lists them.
    var classification: [String: String] {
        self.isSynthetic
            ? [
                "market": "synthetic_index", "market_display_name": "Derived", "submarket": "random_index",
                "submarket_display_name": "Continuous Indices", "subgroup": "synthetics",
                "subgroup_display_name": "Synthetics", "symbol_type": "stockindex", "exchange_name": "RANDOM",
            ]
            : [
                "market": "forex", "market_display_name": "Forex", "submarket": "major_pairs",
                "submarket_display_name": "Major Pairs", "subgroup": "none", "subgroup_display_name": "None",
                "symbol_type": "forex", "exchange_name": "FOREX",
            ]
    }

    /// The six symbols (the task's list): the five continuous volatility indices and EUR/USD. The walks' volatilities
    /// and spreads are simulator choices (unverified); EUR/USD trades around the clock here, unlike the real market.
    static let all: [DerivSymbol] = [
        DerivSymbol(
            symbol: "R_10", displayName: "Volatility 10 Index", pipDecimals: 3, base: 6_500, volatility: 0.00002,
            halfSpread: Decimal(string: "0.05")!, multipliers: [400, 1_000, 2_000, 3_000, 4_000], isSynthetic: true),
        DerivSymbol(
            symbol: "R_25", displayName: "Volatility 25 Index", pipDecimals: 3, base: 2_800, volatility: 0.00004,
            halfSpread: Decimal(string: "0.05")!, multipliers: [160, 400, 800, 1_200, 1_600], isSynthetic: true),
        DerivSymbol(
            symbol: "R_50", displayName: "Volatility 50 Index", pipDecimals: 4, base: 180, volatility: 0.00006,
            halfSpread: Decimal(string: "0.005")!, multipliers: [80, 200, 400, 600, 800], isSynthetic: true),
        DerivSymbol(
            symbol: "R_75", displayName: "Volatility 75 Index", pipDecimals: 4, base: 80_000, volatility: 0.00008,
            halfSpread: 2, multipliers: [50, 100, 200, 300, 500], isSynthetic: true),
        DerivSymbol(
            symbol: "R_100", displayName: "Volatility 100 Index", pipDecimals: 2, base: 1_300, volatility: 0.0001,
            halfSpread: Decimal(string: "0.05")!, multipliers: [40, 100, 200, 300, 400], isSynthetic: true),
        DerivSymbol(
            symbol: "frxEURUSD", displayName: "EUR/USD", pipDecimals: 5, base: Decimal(string: "1.08")!,
            volatility: 0.00002, halfSpread: Decimal(string: "0.00005")!, multipliers: [50, 100, 200, 300, 500],
            isSynthetic: false),
    ]

    /// The symbol named `name` (case-sensitive), if offered.
    static func named(_ name: String) -> DerivSymbol? {
        Self.all.first { $0.symbol == name }
    }
}

/// A quote of one symbol: the mid price (`quote`) with the spread around it, all rounded to the symbol's pips.
struct DerivQuote: Sendable {
    var symbol: DerivSymbol
    var quote: Decimal
    var bid: Decimal
    var ask: Decimal
    var time: Date
}

/// Seeded random-walk prices of the Deriv symbols (one ``RandomWalkPrices`` series per symbol, keyed
/// `deriv/<symbol>`), stepped at the simulator's tick interval; one step is one tick.
final class DerivMarket: Sendable {
    private let walks: RandomWalkPrices

    init(seed: UInt64, tickInterval: Duration) {
        self.walks = RandomWalkPrices(seed: seed, tickInterval: tickInterval)
    }

    /// The current quote of `symbol`: `bid = quote − halfSpread`, `ask = quote + halfSpread`.
    func quote(_ symbol: DerivSymbol, now: Date = Date()) -> DerivQuote {
        let spec = RandomWalkSpec(base: symbol.base, digits: symbol.pipDecimals, volatility: symbol.volatility)
        let mid = self.walks.mid(key: "deriv/" + symbol.symbol, spec: spec)
        return DerivQuote(
            symbol: symbol, quote: mid, bid: (mid - symbol.halfSpread).rounded(scale: symbol.pipDecimals),
            ask: (mid + symbol.halfSpread).rounded(scale: symbol.pipDecimals), time: now)
    }

    /// The current quote of the symbol named `name`, or `nil` when it is not offered.
    func quote(named name: String, now: Date = Date()) -> DerivQuote? {
        DerivSymbol.named(name).map { self.quote($0, now: now) }
    }
}
