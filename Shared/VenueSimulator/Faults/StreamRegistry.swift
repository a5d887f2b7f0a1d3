import NIOCore
import Synchronization

/// The open streaming connections (WebSockets) of one venue, so that a fault can drop them all.
final class StreamRegistry: Sendable {
    private struct State {
        var nextID = 0
        var channels: [Int: any Channel] = [:]
    }

    private let state = Mutex(State())

    /// Number of open streams.
    var count: Int { self.state.withLock { $0.channels.count } }

    /// Registers an open stream; pass the returned id to ``remove(_:)`` when it ends.
    func add(_ channel: any Channel) -> Int {
        self.state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.channels[id] = channel
            return id
        }
    }

    /// Forgets a stream that ended.
    func remove(_ id: Int) {
        self.state.withLock { _ = $0.channels.removeValue(forKey: id) }
    }

    /// Closes every open stream abruptly (TCP close, no WebSocket close frame). Returns how many.
    @discardableResult
    func dropAll() -> Int {
        let channels = self.state.withLock { state in
            let channels = Array(state.channels.values)
            state.channels.removeAll()
            return channels
        }
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }
}
