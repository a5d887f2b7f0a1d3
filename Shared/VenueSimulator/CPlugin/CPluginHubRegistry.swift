import Foundation
import Synchronization

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

    private struct State {
        var pending: [String: Pending] = [:]
        var active: Set<String> = []
    }

    private let clock = ContinuousClock()
    private let state = Mutex(State())

    /// The open hub sockets.
    let sockets = WebSocketConnectionRegistry<Void, Never>(initialInfo: ())

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

    /// Ends the claim on a negotiated connection whose socket ended (`token`, `nil` when it was not negotiated): the
    /// connection is gone.
    func release(token: String?) {
        guard let token else { return }
        self.state.withLock { _ = $0.active.remove(token) }
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
