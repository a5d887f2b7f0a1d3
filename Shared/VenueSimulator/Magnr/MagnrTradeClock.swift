import ServiceLifecycle
import Synchronization

/// A wake-up call for one waiting task: ``signal()`` before ``wait()`` is remembered, so no call is lost.
final class MagnrWakeSignal: Sendable {
    private struct State {
        var isPending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Wakes the waiter, or the next one to wait.
    func signal() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.isPending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after a ``signal()`` (at once when one is pending) or when the task is cancelled. One waiter at a time.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if state.isPending || Task.isCancelled {
                        state.isPending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

/// Moves Magnr trades along in time: fills pending trades after the fill delay and settles closed ones after the
/// settle delay, each at the moment it falls due (it sleeps until the next due instant, and is woken when a trade is
/// placed or liquidated), so that a fill happens at the price of its moment.
///
/// Every read of the venue also brings trades up to date first, so state is exact even without this service (a
/// ``MagnrSimulator`` used without running its services); the service only makes the prices timely. It stops on
/// graceful shutdown.
struct MagnrTradeClock: Service {
    let venue: MagnrSimulator

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let next = self.venue.advanceTrades()
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.venue.wake.wait() }
                    if let next {
                        group.addTask { try? await Task.sleep(until: next, clock: .continuous) }
                    }
                    await group.next()
                    group.cancelAll()
                }
            }
        }
    }
}
