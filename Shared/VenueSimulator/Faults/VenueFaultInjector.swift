import Synchronization

/// The live fault settings of one venue and the random draws made against them.
///
/// Thread-safe; shared by the venue's request handlers and the admin API.
public final class VenueFaultInjector: Sendable {
    /// What to do with one incoming request.
    public struct Decision: Sendable, Equatable {
        /// What happens after the latency.
        public enum Outcome: Sendable, Equatable {
            /// Handle the request normally.
            case proceed
            /// Answer with this error status without handling the request.
            case error(status: Int)
            /// Close the connection without any response, without handling the request.
            case drop
        }
        /// Delay before the outcome.
        public var latency: Duration
        /// What happens after the delay.
        public var outcome: Outcome
    }

    private struct State {
        var settings: VenueFaultSettings
        var random: SplitMix64
    }

    private let initial: VenueFaultSettings
    private let state: Mutex<State>

    /// Creates an injector whose settings start (and reset to) `initial`.
    public init(initial: VenueFaultSettings = .init(), seed: UInt64 = 0) {
        self.initial = initial
        self.state = Mutex(State(settings: initial, random: SplitMix64(seed: seed, label: "faults")))
    }

    /// The current settings.
    public var settings: VenueFaultSettings {
        self.state.withLock { $0.settings }
    }

    /// Validates and applies `patch`; returns the new settings. Invalid patches change nothing.
    @discardableResult
    public func apply(_ patch: VenueFaultPatch) throws(VenueSimulatorError) -> VenueFaultSettings {
        try self.state.withLock { (state: inout State) throws(VenueSimulatorError) -> VenueFaultSettings in
            let updated = patch.applied(to: state.settings)
            try updated.validate()
            state.settings = updated
            return updated
        }
    }

    /// Restores the settings the injector was created with.
    public func reset() {
        self.state.withLock { $0.settings = self.initial }
    }

    /// Draws the fate of one request. A drop is drawn before an error, each against its own rate.
    public func decide() -> Decision {
        self.state.withLock { state in
            let settings = state.settings
            let latency = Duration.milliseconds(settings.latencyMs)
            if settings.dropRate > 0, state.random.nextUnit() < settings.dropRate {
                return Decision(latency: latency, outcome: .drop)
            }
            if settings.errorRate > 0, state.random.nextUnit() < settings.errorRate {
                return Decision(latency: latency, outcome: .error(status: settings.errorStatus))
            }
            return Decision(latency: latency, outcome: .proceed)
        }
    }

    /// Draws the fate of one request and carries it out: waits the drawn latency, then returns `drop`, the answer
    /// `error` makes for the drawn status, or what `proceed` (the venue's normal handling) returns.
    func handle<Outcome>(
        drop: Outcome, error: (Int) -> Outcome, proceed: () async -> Outcome
    ) async -> Outcome {
        let decision = self.decide()
        if decision.latency > .zero {
            try? await Task.sleep(for: decision.latency)
        }
        switch decision.outcome {
        case .drop: return drop
        case .error(let status): return error(status)
        case .proceed: return await proceed()
        }
    }
}
