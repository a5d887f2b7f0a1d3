import Foundation
import NIOCore
import Synchronization

/// Something that happens to one hub connection, handled in order by its connection loop.
enum CPluginHubEvent: Sendable {
    /// A WebSocket message (text, or binary read as UTF-8) arrived.
    case message(String)
    /// The client's side ended (close frame, TCP close, or a message above the size limit).
    case inboundEnded
    /// Time to push ticks and check the keep-alive and timeouts.
    case timer
    /// Graceful shutdown: send a close message and close.
    case shutdown
}

/// The hub's connections: negotiated ids waiting for their WebSocket, and open sockets.
///
/// Mirrors ASP.NET Core's `HttpConnectionManager` for the WebSockets transport: `POST …/negotiate` creates a
/// connection (`connectionId`, plus a separate `connectionToken` with negotiate version 1; with version 0 the id is
/// the token); the WebSocket request names it with `?id=<token>`. An unknown (or expired, or already finished) id
/// is refused with 404, an id whose socket is open with 409. A negotiated id not connected within 60 s expires.
/// A socket without `id` (negotiation skipped) gets a fresh connection. When a socket ends, its connection is gone.
final class CPluginHubRegistry: Sendable {
    /// How long a negotiated connection waits for its WebSocket.
    static let negotiatedLifetime: Duration = .seconds(60)
    /// Most negotiated-but-unconnected connections kept; the oldest are dropped first.
    static let maxPending = 10_000

    /// The answer to a WebSocket request's `id`.
    enum Claim: Sendable, Equatable {
        /// Connect as this connection id.
        case claimed(connectionID: String)
        /// 404: no such (live) connection.
        case notFound
        /// 409: its socket is open.
        case inUse
    }

    private struct Pending {
        var connectionID: String
        var expiresAt: ContinuousClock.Instant
    }

    private struct Socket {
        var channel: any Channel
        var events: AsyncStream<CPluginHubEvent>.Continuation
    }

    private struct State {
        var pending: [String: Pending] = [:]
        var active: Set<String> = []
        var sockets: [Int: Socket] = [:]
        var nextSocketID = 0
        var isShutDown = false
    }

    private let clock = ContinuousClock()
    private let state = Mutex(State())

    /// Open hub sockets.
    var openCount: Int { self.state.withLock { $0.sockets.count } }

    /// Creates a negotiated connection: its id and, for negotiate version 1, its separate token.
    func negotiate(version: Int) -> (connectionID: String, connectionToken: String?) {
        let connectionID = Self.makeID()
        let token = version >= 1 ? Self.makeID() : nil
        let now = self.clock.now
        self.state.withLock { state in
            if state.pending.count >= Self.maxPending {
                state.pending = state.pending.filter { $0.value.expiresAt > now }
                if state.pending.count >= Self.maxPending {
                    let oldest = state.pending.min { $0.value.expiresAt < $1.value.expiresAt }?.key
                    if let oldest { state.pending[oldest] = nil }
                }
            }
            state.pending[token ?? connectionID] = Pending(
                connectionID: connectionID, expiresAt: now + Self.negotiatedLifetime)
        }
        return (connectionID, token)
    }

    /// Claims the connection a WebSocket request names (`token` is its `id` parameter; `nil` creates one).
    func claim(token: String?) -> Claim {
        guard let token else { return .claimed(connectionID: Self.makeID()) }
        let now = self.clock.now
        return self.state.withLock { state in
            if state.active.contains(token) { return .inUse }
            guard let pending = state.pending.removeValue(forKey: token), pending.expiresAt > now else {
                return .notFound
            }
            state.active.insert(token)
            return .claimed(connectionID: pending.connectionID)
        }
    }

    /// Whether `token` names a negotiated connection that is still waiting for its WebSocket.
    func isPending(_ token: String) -> Bool {
        let now = self.clock.now
        return self.state.withLock { ($0.pending[token]?.expiresAt).map { $0 > now } ?? false }
    }

    /// Registers an open socket; returns its id for ``unregister(_:token:)``. After ``shutDown()`` the socket is
    /// told to shut down at once.
    func register(channel: any Channel, events: AsyncStream<CPluginHubEvent>.Continuation) -> Int {
        let (id, isShutDown) = self.state.withLock { state in
            let id = state.nextSocketID
            state.nextSocketID += 1
            state.sockets[id] = Socket(channel: channel, events: events)
            return (id, state.isShutDown)
        }
        if isShutDown { events.yield(.shutdown) }
        return id
    }

    /// Forgets a socket that ended and its connection (`token`, when it was negotiated).
    func unregister(_ id: Int, token: String?) {
        self.state.withLock { state in
            state.sockets[id] = nil
            if let token { state.active.remove(token) }
        }
    }

    /// Closes every open socket abruptly (TCP close: no close message, no close frame). Returns how many.
    @discardableResult
    func dropAll() -> Int {
        let channels = self.state.withLock { state in state.sockets.values.map(\.channel) }
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }

    /// Tells every open socket, and every later one, to close gracefully.
    func shutDown() {
        let sockets = self.state.withLock { state in
            state.isShutDown = true
            return Array(state.sockets.values)
        }
        for socket in sockets { socket.events.yield(.shutdown) }
    }

    /// 16 random bytes, base64url without padding (22 characters), like ASP.NET Core's connection ids.
    private static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
