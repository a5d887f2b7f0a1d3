import Foundation
import Synchronization

/// A bid/ask quote of one symbol at one broker.
struct MT4ServerQuote: Sendable, Equatable {
    var name: String
    var time: Int64
    var bid: Decimal
    var ask: Decimal
}

/// Seeded random-walk prices per broker and symbol.
///
/// Each broker+symbol pair has its own generator (seeded from the simulator seed and the pair), and is
/// stepped once per tick interval. Stepping is lazy: a read advances the pair by the ticks elapsed since
/// its last read, so prices behave as if updated every interval without a background task, and a given
/// seed replays the same path tick by tick. Prices are `Decimal`, rounded to the instrument's digits.
final class MT4ServerMarket: Sendable {
    private struct Walker {
        var mid: Decimal
        var random: SplitMix64
        var steps: Int64
    }

    /// Most steps replayed on one read; after a longer quiet period the walk skips ahead.
    private static let maxCatchUp: Int64 = 2_000

    private let seed: UInt64
    private let tickInterval: Duration
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let walkers = Mutex<[String: Walker]>([:])

    init(seed: UInt64, tickInterval: Duration) {
        self.seed = seed
        self.tickInterval = tickInterval
        self.start = self.clock.now
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
        let target = Int64((self.clock.now - self.start) / self.tickInterval)
        let key = broker + "/" + symbol
        return self.walkers.withLock { walkers in
            var walker =
                walkers[key]
                ?? Walker(mid: instrument.base, random: SplitMix64(seed: self.seed, label: key), steps: 0)
            if target - walker.steps > Self.maxCatchUp {
                walker.steps = target - Self.maxCatchUp
            }
            while walker.steps < target {
                walker.mid = Self.step(walker.mid, instrument: instrument, random: &walker.random)
                walker.steps += 1
            }
            walkers[key] = walker
            return walker.mid
        }
    }

    /// One random-walk step: a uniform move of up to `volatility` plus a slight pull back to the base,
    /// kept within a fifth and five times the base price.
    private static func step(_ mid: Decimal, instrument: MT4ServerInstrument, random: inout SplitMix64) -> Decimal {
        let current = mid.doubleValue
        let base = instrument.base.doubleValue
        let move = instrument.volatility * (random.nextUnit() * 2 - 1) + (base - current) / base * 0.002
        let next = min(max(current * (1 + move), base * 0.2), base * 5)
        return Decimal(next).rounded(scale: instrument.digits)
    }
}

extension Decimal {
    /// This value rounded half away from zero to `scale` decimal places.
    func rounded(scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }

    /// The nearest `Double` (via the exact decimal text, so short decimals round-trip).
    var doubleValue: Double {
        Double(self.description) ?? 0
    }
}
