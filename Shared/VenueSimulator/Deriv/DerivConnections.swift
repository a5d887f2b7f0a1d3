import NIOCore
import Synchronization

/// What drives one connection's loop.
enum DerivConnectionEvent: Sendable {
    /// A text (or binary, read as UTF-8) message from the client.
    case frame(String)
    /// The client's side ended (close frame, TCP close, or a protocol error such as an oversized message).
    case inboundEnded
    /// Time to push due stream messages and to check the idle timeout.
    case timer
    /// Graceful shutdown: close.
    case shutdown
}

/// The authorization state of one connection.
enum DerivAuthorization: Sendable, Equatable {
    /// Never authorized (or the last `authorize` failed before any succeeded).
    case none
    /// Authorized with a token of these scopes.
    case active(scopes: [DerivScope])
    /// Authorized, then expired by the `expireTokens` fault: the next authenticated call gets `InvalidToken`.
    case expired
}

/// The open connections of the Deriv venue, their authorization and stream counts, so that faults (drop every
/// connection, expire every session) and the admin status can reach them.
final class DerivConnections: Sendable {
    private struct Entry {
        var channel: any Channel
        var events: AsyncStream<DerivConnectionEvent>.Continuation
        var authorization = DerivAuthorization.none
        var streams = 0
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 1
        var isShutDown = false
        var idleClosures = 0
    }

    private let state = Mutex(State())

    /// Registers an open connection; returns its id. After ``shutDown()`` it is told to close at once.
    func register(channel: any Channel, events: AsyncStream<DerivConnectionEvent>.Continuation) -> Int {
        let (id, isShutDown) = self.state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, events: events)
            return (id, state.isShutDown)
        }
        if isShutDown { events.yield(.shutdown) }
        return id
    }

    /// Forgets a connection that ended.
    func unregister(_ id: Int) {
        self.state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }

    /// The authorization of connection `id`.
    func authorization(of id: Int) -> DerivAuthorization {
        self.state.withLock { $0.entries[id]?.authorization ?? .none }
    }

    /// Sets the authorization of connection `id`.
    func setAuthorization(_ authorization: DerivAuthorization, of id: Int) {
        self.state.withLock { $0.entries[id]?.authorization = authorization }
    }

    /// Records how many streams connection `id` has.
    func setStreamCount(_ count: Int, of id: Int) {
        self.state.withLock { $0.entries[id]?.streams = count }
    }

    /// Counts a connection closed for idleness.
    func countIdleClosure() {
        self.state.withLock { $0.idleClosures += 1 }
    }

    /// Resets the idle-closure counter.
    func resetCounters() {
        self.state.withLock { $0.idleClosures = 0 }
    }

    /// Expires every active authorization; returns how many.
    func expireAll() -> Int {
        self.state.withLock { state in
            var count = 0
            for (id, entry) in state.entries {
                if case .active = entry.authorization {
                    state.entries[id]?.authorization = .expired
                    count += 1
                }
            }
            return count
        }
    }

    /// Closes every connection abruptly (TCP close, no close frame); returns how many.
    func dropAll() -> Int {
        let channels = self.state.withLock { $0.entries.values.map(\.channel) }
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }

    /// Tells every connection, and every later one, to close.
    func shutDown() {
        let continuations = self.state.withLock { state in
            state.isShutDown = true
            return state.entries.values.map(\.events)
        }
        for continuation in continuations { continuation.yield(.shutdown) }
    }

    /// `openConnections`, `authorizedSessions`, `subscriptions` and `idleClosures`.
    var counters: [String: Int] {
        self.state.withLock { state in
            let entries = state.entries.values
            let authorized = entries.filter { if case .active = $0.authorization { true } else { false } }.count
            return [
                "openConnections": entries.count, "authorizedSessions": authorized,
                "subscriptions": entries.reduce(0) { $0 + $1.streams }, "idleClosures": state.idleClosures,
            ]
        }
    }
}
