import NIOCore
import Synchronization

/// Requests whose response is being withheld (the `hangOrders` fault).
///
/// A held request waits until it is released (by ``releaseAll()`` on reset or shutdown), its task is
/// cancelled, or its time limit passes; the caller then closes the connection without answering.
final class HeldResponses: Sendable {
    private enum Slot {
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        case released
    }

    private struct State {
        var nextID = 0
        var slots: [Int: Slot] = [:]
        var isShutDown = false
    }

    private let state = Mutex(State())

    /// Number of requests currently held.
    var count: Int {
        self.state.withLock { $0.slots.values.filter { if case .released = $0 { false } else { true } }.count }
    }

    /// Suspends until released, cancelled, `limit` has passed or `channel` closes (the client went away).
    /// Returns at once after ``shutDown()``.
    func hold(limit: Duration, channel: any Channel) async {
        let id: Int? = self.state.withLock { state in
            guard !state.isShutDown else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.slots[id] = .pending
            return id
        }
        guard let id else { return }
        await ConnectionWatcher.install(on: channel) { self.release(id) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(id) }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        self.release(id)
        self.state.withLock { _ = $0.slots.removeValue(forKey: id) }
    }

    /// Releases every held request.
    func releaseAll() {
        let ids = self.state.withLock { Array($0.slots.keys) }
        for id in ids { self.release(id) }
    }

    /// Releases every held request and makes later holds return at once.
    func shutDown() {
        self.state.withLock { $0.isShutDown = true }
        self.releaseAll()
    }

    private func wait(_ id: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    guard case .pending = state.slots[id] else { return true }
                    state.slots[id] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.release(id)
        }
    }

    private func release(_ id: Int) {
        let continuation = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            switch state.slots[id] {
            case .waiting(let continuation):
                state.slots[id] = .released
                return continuation
            case .pending:
                state.slots[id] = .released
                return nil
            case .released, nil:
                return nil
            }
        }
        continuation?.resume()
    }
}
