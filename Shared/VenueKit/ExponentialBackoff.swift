/// Delays for reconnect and retry: exponential growth with full jitter, capped.
///
/// Delay *n* is a uniformly random duration in `0...min(maximum, initial × multiplier^n)`, so many clients that
/// lost the same venue do not reconnect in lockstep.
public struct ExponentialBackoff: Sendable {
    /// The first delay's upper bound.
    public var initial: Duration
    /// The cap.
    public var maximum: Duration
    /// Growth per attempt.
    public var multiplier: Double
    private var attempt = 0
    private var random: @Sendable (ClosedRange<Double>) -> Double

    /// Creates a backoff. `random` is injectable for tests.
    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(30), multiplier: Double = 2,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.random = random
    }

    /// The next delay.
    public mutating func next() -> Duration {
        let base = self.initial.seconds * pow(self.multiplier, Double(self.attempt))
        let ceiling = min(self.maximum.seconds, base)
        self.attempt += 1
        return .seconds(self.random(0...ceiling))
    }

    /// Starts over (after a success).
    public mutating func reset() { self.attempt = 0 }

    /// How many delays were handed out since the last reset.
    public var attempts: Int { self.attempt }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base }
    return result
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}
