import Foundation

/// A bid/ask quote of one symbol at one broker.
struct MT4ServerQuote: Sendable, Equatable {
    var name: String
    var time: Int64
    var bid: Decimal
    var ask: Decimal
}

/// Seeded random-walk prices per broker and symbol (one ``RandomWalkPrices`` series per `broker/symbol`).
///
/// Prices are `Decimal`, rounded to the instrument's digits; see ``RandomWalkPrices`` for how they step.
final class MT4ServerMarket: Sendable {
    private let walks: RandomWalkPrices

    init(seed: UInt64, tickInterval: Duration) {
        self.walks = RandomWalkPrices(seed: seed, tickInterval: tickInterval)
    }

    /// The current quote of `symbol` at `broker`, or `nil` when the broker does not quote it.
    func quote(broker: MT4ServerBroker, symbol: String, now: Date = Date()) -> MT4ServerQuote? {
        guard broker.symbols.contains(symbol), let instrument = MT4ServerCatalog.instruments[symbol] else { return nil }
        let mid = self.advance(broker: broker.id, symbol: symbol, instrument: instrument)
        let bid = (mid - instrument.spread / 2).rounded(scale: instrument.digits)
        return MT4ServerQuote(name: symbol, time: now.epochSeconds, bid: bid, ask: bid + instrument.spread)
    }

    /// The current mid price of `symbol` at `broker`, or the instrument's base price when the broker
    /// does not quote it (used to convert profits to the account currency).
    func mid(broker: MT4ServerBroker, symbol: String) -> Decimal {
        guard let instrument = MT4ServerCatalog.instruments[symbol] else { return 1 }
        guard broker.symbols.contains(symbol) else { return instrument.base }
        return self.advance(broker: broker.id, symbol: symbol, instrument: instrument)
    }

    private func advance(broker: String, symbol: String, instrument: MT4ServerInstrument) -> Decimal {
        let spec = RandomWalkSpec(base: instrument.base, digits: instrument.digits, volatility: instrument.volatility)
        return self.walks.mid(key: broker + "/" + symbol, spec: spec)
    }
}
