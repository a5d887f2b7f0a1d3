import ServiceLifecycle

/// Runs `step` at once and then every `interval` until graceful shutdown: the price-step work of a venue (fills,
/// settlements, stops, token expiry) that must happen on time even when no connection asks for anything.
struct PriceStepClock: Service {
    /// The time between two steps.
    let interval: Duration
    /// One step.
    let step: @Sendable () -> Void

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                self.step()
                try? await Task.sleep(for: self.interval)
            }
        }
    }
}
