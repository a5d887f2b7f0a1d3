import NIOCore
import Synchronization

/// What drives one connection's loop in a WebSocket face (cTrader, Deriv, the CPlugin hub); see
/// ``WebSocketConnectionLoop``.
enum WebSocketConnectionEvent<Push: Sendable>: Sendable {
    /// A text message from the client (a binary one is read as UTF-8).
    case message(String)
    /// The client's side ended (close frame, TCP close, or a protocol error such as an oversized message).
    case inboundEnded
    /// Time for the face's periodic work: timeouts, keep-alives and stream pushes.
    case timer
    /// Something produced elsewhere in the venue for this connection (cTrader: the execution events of a price step).
    /// `Never` for a face that has none.
    case push(Push)
    /// Graceful shutdown: close.
    case shutdown
}

/// The open connections of one WebSocket face, each with the face's per-connection `Info` (authentication, stream
/// counts) that the rest of the venue must reach: faults, token invalidation, price-step pushes and the admin status.
///
/// A connection is registered while its ``WebSocketConnectionLoop`` runs, with ``initialInfo``; ids start at 1 and are
/// never reused. After ``shutDown()`` every open connection, and every later one, is told to close.
final class WebSocketConnectionRegistry<Info: Sendable, Push: Sendable>: Sendable {
    /// The event queue of one connection's loop.
    typealias Events = AsyncStream<WebSocketConnectionEvent<Push>>.Continuation

    private struct Entry {
        let channel: any Channel
        let events: Events
        var info: Info
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 1
        var isShutDown = false
    }

    private let state = Mutex(State())
    /// The info every connection starts with.
    let initialInfo: Info

    /// An empty registry whose connections start with `initialInfo`.
    init(initialInfo: Info) {
        self.initialInfo = initialInfo
    }

    /// How many connections are open.
    var count: Int {
        self.state.withLock { $0.entries.count }
    }

    /// The info of every open connection, in no particular order.
    var infos: [Info] {
        self.state.withLock { $0.entries.values.map(\.info) }
    }

    /// Registers an open connection; returns its id. After ``shutDown()`` it is told to close at once.
    func register(channel: any Channel, events: Events) -> Int {
        let (id, isShutDown) = self.state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, events: events, info: self.initialInfo)
            return (id, state.isShutDown)
        }
        if isShutDown { events.yield(.shutdown) }
        return id
    }

    /// Forgets a connection that ended.
    func unregister(_ id: Int) {
        self.state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }

    /// Runs `body` on the info of connection `id`; `nil` when that connection is not open.
    @discardableResult
    func withInfo<Result: Sendable>(of id: Int, _ body: (inout Info) -> Result) -> Result? {
        self.state.withLock { state in
            guard var entry = state.entries[id] else { return nil }
            let result = body(&entry.info)
            state.entries[id] = entry
            return result
        }
    }

    /// Runs `body` on the info of every open connection (under the lock: keep it short) and returns, for each
    /// connection on which it returned a note, that note with the connection's event queue, to act on once the lock
    /// is released.
    func updateEach<Note: Sendable>(_ body: (inout Info) -> Note?) -> [(events: Events, note: Note)] {
        self.state.withLock { state in
            var notes: [(events: Events, note: Note)] = []
            for (id, var entry) in state.entries {
                let note = body(&entry.info)
                state.entries[id] = entry
                if let note { notes.append((entry.events, note)) }
            }
            return notes
        }
    }

    /// Sends `push` to every open connection whose info satisfies `isTarget`; returns how many.
    @discardableResult
    func push(_ push: Push, where isTarget: (Info) -> Bool) -> Int {
        let targets = self.state.withLock { state in
            state.entries.values.filter { isTarget($0.info) }.map(\.events)
        }
        for events in targets { events.yield(.push(push)) }
        return targets.count
    }

    /// Closes every open connection abruptly (TCP close: no close frame); returns how many.
    @discardableResult
    func dropAll() -> Int {
        let channels = self.state.withLock { $0.entries.values.map(\.channel) }
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }

    /// Tells every open connection, and every later one, to close.
    func shutDown() {
        let queues = self.state.withLock { state in
            state.isShutDown = true
            return state.entries.values.map(\.events)
        }
        for events in queues { events.yield(.shutdown) }
    }
}
