/// A venue's call budget: at most `limit` calls in any sliding `window` (Deriv's "360 buy/sell/proposal calls per
/// minute", cTrader's "50 requests per second").
///
/// Unlike a token bucket, a sliding window never lets a burst plus the refill exceed what the venue counts in one
/// window, so the venue's own limiter never refuses a call that this budget let through. Callers wait (cancellably)
/// for a free slot.
public actor VenueCallBudget {
    private let limit: Int
    private let window: Duration
    private let clock = ContinuousClock()
    /// When each call inside the current window was let through, oldest first.
    private var recent: [ContinuousClock.Instant] = []
    private var head = 0

    /// Creates a budget of `limit` calls per `window`.
    public init(limit: Int, window: Duration) {
        precondition(limit > 0 && window > .zero, "limit and window must be positive")
        self.limit = limit
        self.window = window
        self.recent.reserveCapacity(limit)
    }

    /// Waits until a call fits in the window, then counts it.
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        while true {
            let now = self.clock.now
            while self.head < self.recent.count, now - self.recent[self.head] >= self.window { self.head += 1 }
            if self.head > 1_024 || self.head == self.recent.count {
                self.recent.removeFirst(self.head)
                self.head = 0
            }
            if self.recent.count - self.head < self.limit {
                self.recent.append(now)
                return
            }
            // The oldest call leaves the window first.
            try await Task.sleep(until: self.recent[self.head] + self.window, clock: self.clock)
        }
    }

    /// Calls counted in the current window.
    public var used: Int {
        let now = self.clock.now
        return self.recent[self.head...].filter { now - $0 < self.window }.count
    }
}
