import Foundation
import Synchronization

/// What one random-walk price series needs: where it starts, how far one step goes and how it is rounded.
struct RandomWalkSpec: Sendable {
    /// Mid price the walk starts from and reverts to.
    var base: Decimal
    /// Decimal places of the walked mid price.
    var digits: Int
    /// Relative size of one step.
    var volatility: Double
}

/// Seeded random-walk mid prices, one series per key (MT4Server: `broker/symbol`; CPlugin: `cplugin/symbol`).
///
/// Each series has its own generator (seeded from the simulator seed and the key) and is stepped once per tick
/// interval. Stepping is lazy: a read advances the series by the ticks elapsed since its last read, so prices
/// behave as if updated every interval without a background task, and a given seed replays the same path tick by
/// tick. The stored prices are `Decimal`, rounded to the series' digits.
final class RandomWalkPrices: Sendable {
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

    /// The current mid price of the series `key`, created from `spec` on first use.
    func mid(key: String, spec: RandomWalkSpec) -> Decimal {
        let target = Int64((self.clock.now - self.start) / self.tickInterval)
        return self.walkers.withLock { walkers in
            var walker =
                walkers[key] ?? Walker(mid: spec.base, random: SplitMix64(seed: self.seed, label: key), steps: 0)
            if target - walker.steps > Self.maxCatchUp {
                walker.steps = target - Self.maxCatchUp
            }
            while walker.steps < target {
                walker.mid = Self.step(walker.mid, spec: spec, random: &walker.random)
                walker.steps += 1
            }
            walkers[key] = walker
            return walker.mid
        }
    }

    /// One random-walk step: a uniform move of up to `volatility` plus a slight pull back to the base,
    /// kept within a fifth and five times the base price.
    private static func step(_ mid: Decimal, spec: RandomWalkSpec, random: inout SplitMix64) -> Decimal {
        let current = mid.doubleValue
        let base = spec.base.doubleValue
        let move = spec.volatility * (random.nextUnit() * 2 - 1) + (base - current) / base * 0.002
        let next = min(max(current * (1 + move), base * 0.2), base * 5)
        return Decimal(next).rounded(scale: spec.digits)
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
