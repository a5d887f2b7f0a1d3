import Testing
import VenueKit

/// The sliding-window call budget (Deriv's calls per minute, cTrader's requests per second).
@Suite struct VenueCallBudgetTests {
    @Test func callsWithinTheLimitPassAtOnceAndTheNextWaitsForTheWindow() async throws {
        let window = Duration.milliseconds(400)
        let budget = VenueCallBudget(limit: 3, window: window)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<3 { try await budget.acquire() }
        #expect(await budget.used == 3)
        try await budget.acquire()
        // A lower bound only: load can make the wait longer, never shorter.
        #expect(clock.now - start >= window, "the fourth call waited until the first left the window")
    }

    @Test func noWindowEverHoldsMoreThanTheLimit() async throws {
        let window = Duration.milliseconds(200)
        let budget = VenueCallBudget(limit: 4, window: window)
        let clock = ContinuousClock()
        var stamps: [ContinuousClock.Instant] = []
        for _ in 0..<12 {
            try await budget.acquire()
            stamps.append(clock.now)
        }
        for (index, stamp) in stamps.enumerated() where index >= 4 {
            #expect(stamp - stamps[index - 4] >= window, "call \(index) shares a window with the four before it")
        }
    }

    @Test func aWaitingCallerCanBeCancelled() async throws {
        let budget = VenueCallBudget(limit: 1, window: .seconds(60))
        try await budget.acquire()
        let waiter = Task { try await budget.acquire() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }
}
