/// Runs async operations one at a time, in arrival order (a FIFO async mutex).
///
/// Used where a venue needs requests strictly ordered, such as Magnr's tonces: a request must reach the venue before
/// the next one, or the venue would refuse the lower tonce as a replay.
public actor AsyncSerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Creates an open gate.
    public init() {}

    /// Runs `operation` once every operation that arrived earlier has finished.
    public func run<T: Sendable>(_ operation: @Sendable () async -> T) async -> T {
        if self.busy {
            await withCheckedContinuation { self.waiters.append($0) }
        } else {
            self.busy = true
        }
        let result = await operation()
        if self.waiters.isEmpty {
            self.busy = false
        } else {
            self.waiters.removeFirst().resume()
        }
        return result
    }
}
