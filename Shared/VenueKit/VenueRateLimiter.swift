/// A token bucket for a venue's outbound requests: `rate` requests per second on average, bursts up to `burst`.
///
/// Callers wait (cancellably) for their turn instead of being refused, so a burst of commands is smoothed to the
/// venue's documented limit rather than rejected by it.
public actor VenueRateLimiter {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant
    private let clock = ContinuousClock()

    /// Creates a limiter; `rate` per second, bucket size `burst`.
    public init(rate: Double, burst: Int) {
        precondition(rate > 0 && burst > 0, "rate and burst must be positive")
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.last = ContinuousClock.now
    }

    /// Waits until a request may be sent.
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        while true {
            let now = self.clock.now
            self.tokens = min(self.burst, self.tokens + (now - self.last).seconds * self.rate)
            self.last = now
            if self.tokens >= 1 {
                self.tokens -= 1
                return
            }
            try await Task.sleep(for: .seconds((1 - self.tokens) / self.rate))
        }
    }
}
