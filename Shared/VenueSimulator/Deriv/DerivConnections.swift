import Synchronization

/// The authorization state of one connection.
enum DerivAuthorization: Sendable, Equatable {
    /// Never authorized (or the last `authorize` failed before any succeeded).
    case none
    /// Authorized with a token of these scopes.
    case active(scopes: [DerivScope])
    /// Authorized, then expired by the `expireTokens` fault: the next authenticated call gets `InvalidToken`.
    case expired
}

/// The state of one Deriv connection that faults and the admin status must reach, kept in the
/// ``WebSocketConnectionRegistry``.
struct DerivConnectionState: Sendable {
    var authorization = DerivAuthorization.none
    /// How many streams the connection has open.
    var streams = 0
}

/// The open connections of the Deriv venue, their authorization and stream counts, so that faults (drop every
/// connection, expire every session) and the admin status can reach them.
final class DerivConnections: Sendable {
    /// The open connections.
    let registry = WebSocketConnectionRegistry<DerivConnectionState, Never>(initialInfo: DerivConnectionState())
    private let idleClosures = Mutex(0)

    /// The authorization of connection `id`.
    func authorization(of id: Int) -> DerivAuthorization {
        self.registry.withInfo(of: id) { $0.authorization } ?? .none
    }

    /// Sets the authorization of connection `id`.
    func setAuthorization(_ authorization: DerivAuthorization, of id: Int) {
        self.registry.withInfo(of: id) { $0.authorization = authorization }
    }

    /// Records how many streams connection `id` has.
    func setStreamCount(_ count: Int, of id: Int) {
        self.registry.withInfo(of: id) { $0.streams = count }
    }

    /// Counts a connection closed for idleness.
    func countIdleClosure() {
        self.idleClosures.withLock { $0 += 1 }
    }

    /// Resets the idle-closure counter.
    func resetCounters() {
        self.idleClosures.withLock { $0 = 0 }
    }

    /// Expires every active authorization; returns how many.
    func expireAll() -> Int {
        self.registry.updateEach { connection -> Void? in
            guard case .active = connection.authorization else { return nil }
            connection.authorization = .expired
            return ()
        }.count
    }

    /// `openConnections`, `authorizedSessions`, `subscriptions` and `idleClosures`.
    var counters: [String: Int] {
        let connections = self.registry.infos
        let authorized = connections.filter { if case .active = $0.authorization { true } else { false } }.count
        return [
            "openConnections": connections.count, "authorizedSessions": authorized,
            "subscriptions": connections.reduce(0) { $0 + $1.streams },
            "idleClosures": self.idleClosures.withLock { $0 },
        ]
    }
}
