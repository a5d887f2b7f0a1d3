import Foundation

/// A bid/ask quote of one CPlugin symbol.
struct CPluginQuote: Sendable, Equatable {
    var symbol: CPluginSymbol
    var bid: Decimal
    var ask: Decimal
    var time: Date
}

/// Seeded random-walk prices of the CPlugin symbols (one ``RandomWalkPrices`` series per symbol, keyed
/// `cplugin/<symbol>`), stepped at the simulator's tick interval.
///
/// The mid price walks; the quote puts a fixed spread around it: `bid = mid − spread/2` rounded to the symbol's
/// digits, `ask = bid + spread`, so `bid < ask` always holds and both have the symbol's precision.
final class CPluginMarket: Sendable {
    private let walks: RandomWalkPrices
    private let symbols: [String: CPluginSymbol]

    init(symbols: [CPluginSymbol], seed: UInt64, tickInterval: Duration) {
        self.walks = RandomWalkPrices(seed: seed, tickInterval: tickInterval)
        self.symbols = Dictionary(symbols.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The symbol named `name` (case-sensitive, as MT4 symbol names are), if quoted.
    func symbol(_ name: String) -> CPluginSymbol? {
        self.symbols[name]
    }

    /// The current quote of `name`, or `nil` when the symbol is not quoted.
    func quote(_ name: String, now: Date = Date()) -> CPluginQuote? {
        guard let symbol = self.symbols[name] else { return nil }
        let mid = self.walks.mid(key: "cplugin/" + name, spec: symbol.walkSpec)
        let bid = (mid - symbol.spread / 2).rounded(scale: symbol.digits)
        return CPluginQuote(symbol: symbol, bid: bid, ask: bid + symbol.spread, time: now)
    }
}
