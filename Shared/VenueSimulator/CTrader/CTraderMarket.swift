import Foundation
import Synchronization

/// One asset of the cTrader venue (2113 `asset[]`; ids are simulator choices, unverified).
struct CTraderAsset: Sendable {
    var id: Int64
    var name: String
    var displayName: String
    var digits: Int

    /// USD (the deposit asset, id 1), EUR, GBP, JPY, XAU and BTC.
    static let all: [CTraderAsset] = [
        CTraderAsset(id: 1, name: "USD", displayName: "US Dollar", digits: 2),
        CTraderAsset(id: 2, name: "EUR", displayName: "Euro", digits: 2),
        CTraderAsset(id: 3, name: "GBP", displayName: "British Pound", digits: 2),
        CTraderAsset(id: 4, name: "JPY", displayName: "Japanese Yen", digits: 0),
        CTraderAsset(id: 5, name: "XAU", displayName: "Gold", digits: 2),
        CTraderAsset(id: 6, name: "BTC", displayName: "Bitcoin", digits: 8),
    ]

    /// The deposit asset's id.
    static let usd: Int64 = 1
}

/// One symbol of the cTrader venue: its metadata (2115 light symbol, 2117 full symbol) and its price walk.
///
/// Volumes are in cents of units (protocols.md §5.6). Walk volatilities and spreads are simulator choices
/// (unverified).
struct CTraderSymbol: Sendable {
    var id: Int64
    var name: String
    var description: String
    var baseAssetID: Int64
    var quoteAssetID: Int64
    /// 1 forex, 2 metals, 3 crypto (simulator choice, unverified).
    var categoryID: Int64
    var digits: Int
    var pipPosition: Int
    var lotSize: Int64
    var minVolume: Int64
    var stepVolume: Int64
    var maxVolume: Int64
    /// Mid price the walk starts from and reverts to.
    var base: Decimal
    var volatility: Double
    /// Half of the bid/ask spread.
    var halfSpread: Decimal

    /// Whether the base asset is the deposit currency (USDJPY): then a unit of volume is worth one USD and profits,
    /// which are in the quote currency, are converted at the closing price.
    var isBaseUSD: Bool { self.baseAssetID == CTraderAsset.usd }

    /// The five symbols, ids from 1 (the task's list).
    static let all: [CTraderSymbol] = [
        .forex(1, "EURUSD", "Euro vs US Dollar", base: 2, quote: 1, mid: "1.085", digits: 5, halfSpread: "0.00005"),
        .forex(
            2, "GBPUSD", "British Pound vs US Dollar", base: 3, quote: 1, mid: "1.27", digits: 5,
            halfSpread: "0.00007"),
        .forex(
            3, "USDJPY", "US Dollar vs Japanese Yen", base: 1, quote: 4, mid: "151.2", digits: 3, halfSpread: "0.006"),
        CTraderSymbol(
            id: 4, name: "XAUUSD", description: "Gold vs US Dollar", baseAssetID: 5, quoteAssetID: 1, categoryID: 2,
            digits: 2, pipPosition: 1, lotSize: 10_000, minVolume: 100, stepVolume: 100, maxVolume: 10_000_000,
            base: 2_350, volatility: 0.00003, halfSpread: Decimal(string: "0.15")!),
        CTraderSymbol(
            id: 5, name: "BTCUSD", description: "Bitcoin vs US Dollar", baseAssetID: 6, quoteAssetID: 1, categoryID: 3,
            digits: 2, pipPosition: 0, lotSize: 100, minVolume: 1, stepVolume: 1, maxVolume: 1_000_000,
            base: 60_000, volatility: 0.00005, halfSpread: 5),
    ]

    private static func forex(
        _ id: Int64, _ name: String, _ description: String, base: Int64, quote: Int64, mid: String, digits: Int,
        halfSpread: String
    ) -> CTraderSymbol {
        CTraderSymbol(
            id: id, name: name, description: description, baseAssetID: base, quoteAssetID: quote, categoryID: 1,
            digits: digits, pipPosition: digits - 1, lotSize: 10_000_000, minVolume: 100_000, stepVolume: 100_000,
            maxVolume: 10_000_000_000, base: Decimal(string: mid)!, volatility: 0.00002,
            halfSpread: Decimal(string: halfSpread)!)
    }

    /// The symbol `id`, if offered.
    static func byID(_ id: Int64) -> CTraderSymbol? {
        Self.all.first { $0.id == id }
    }
}

/// A two-sided quote, rounded to the symbol's digits.
struct CTraderQuote: Sendable, Equatable {
    var bid: Decimal
    var ask: Decimal

    /// `price` in 1/100000 of a unit, as SpotEvent carries it (protocols.md §5.6).
    static func wire(_ price: Decimal) -> Int64 {
        Int64((price * 100_000).rounded(scale: 0).description) ?? 0
    }
}

/// Seeded random-walk prices of the cTrader symbols (one ``RandomWalkPrices`` series per symbol, keyed
/// `ctrader/<symbol>`), stepped at the simulator's tick interval.
///
/// Sides move one at a time (simulator choice, unverified, so that clients meet SpotEvents with one side omitted):
/// on an even price step the bid is requoted from the mid (`mid − halfSpread`), on an odd step the ask
/// (`mid + halfSpread`); after more than one step, or when the sides would cross, both are requoted.
final class CTraderMarket: Sendable {
    private struct Sides {
        var quote: CTraderQuote
        var step: Int64
    }

    private let walks: RandomWalkPrices
    private let tickInterval: Duration
    private let start = ContinuousClock.now
    private let sides = Mutex<[Int64: Sides]>([:])

    init(seed: UInt64, tickInterval: Duration) {
        self.walks = RandomWalkPrices(seed: seed, tickInterval: tickInterval)
        self.tickInterval = tickInterval
    }

    /// The current quote of `symbol`.
    func quote(_ symbol: CTraderSymbol) -> CTraderQuote {
        let spec = RandomWalkSpec(base: symbol.base, digits: symbol.digits, volatility: symbol.volatility)
        let mid = self.walks.mid(key: "ctrader/" + symbol.name, spec: spec)
        let step = Int64((ContinuousClock.now - self.start) / self.tickInterval)
        let bid = (mid - symbol.halfSpread).rounded(scale: symbol.digits)
        let ask = (mid + symbol.halfSpread).rounded(scale: symbol.digits)
        return self.sides.withLock { sides in
            guard var current = sides[symbol.id] else {
                let fresh = CTraderQuote(bid: bid, ask: ask)
                sides[symbol.id] = Sides(quote: fresh, step: step)
                return fresh
            }
            guard step != current.step else { return current.quote }
            if step == current.step + 1 {
                if step % 2 == 0 { current.quote.bid = bid } else { current.quote.ask = ask }
            } else {
                current.quote = CTraderQuote(bid: bid, ask: ask)
            }
            if current.quote.bid >= current.quote.ask { current.quote = CTraderQuote(bid: bid, ask: ask) }
            current.step = step
            sides[symbol.id] = current
            return current.quote
        }
    }

    /// The current quote of the symbol `id`, or `nil` when it is not offered.
    func quote(symbolID id: Int64) -> CTraderQuote? {
        CTraderSymbol.byID(id).map(self.quote)
    }
}
