import Foundation

/// A bid/ask quote of BTC in USD.
struct MagnrQuote: Sendable, Equatable {
    var bid: Decimal
    var ask: Decimal
}

/// The one seeded random-walk BTC/USD price of the Magnr venue (series `magnr/BTCUSD` of ``RandomWalkPrices``),
/// shared by every exchange and pair (`BTCUSD` and `XBTUSD` are the same market under two tickers).
///
/// Magnr publishes no prices (protocols.md §3.4); the simulator needs one to fill and close trades. The mid walks
/// around 60 000 USD with cent precision; the quote puts a fixed spread of 10 USD around it: `bid = mid − 5` rounded
/// to cents, `ask = bid + 10`.
final class MagnrMarket: Sendable {
    /// Mid price the walk starts from and reverts to.
    static let basePrice: Decimal = 60_000
    /// Fixed spread (ask − bid) in USD.
    static let spread: Decimal = 10
    private static let spec = RandomWalkSpec(base: basePrice, digits: 2, volatility: 0.0002)

    private let walks: RandomWalkPrices

    init(seed: UInt64, tickInterval: Duration) {
        self.walks = RandomWalkPrices(seed: seed, tickInterval: tickInterval)
    }

    /// The current mid price.
    var mid: Decimal {
        self.walks.mid(key: "magnr/BTCUSD", spec: Self.spec)
    }

    /// The current quote.
    var quote: MagnrQuote {
        let bid = (self.mid - Self.spread / 2).rounded(scale: 2)
        return MagnrQuote(bid: bid, ask: bid + Self.spread)
    }
}
