import Synchronization

/// The bound address of one listener.
public struct VenueSimulatorListener: Sendable, Hashable, CustomStringConvertible {
    /// Host the listener is bound to.
    public var host: String
    /// Bound port (the real one when 0 was configured).
    public var port: Int

    /// Creates a listener address.
    public init(host: String, port: Int) {
        (self.host, self.port) = (host, port)
    }

    /// `host:port`.
    public var description: String { "\(self.host):\(self.port)" }
}

/// Every listener of a running ``VenueSimulator``.
public struct VenueSimulatorListeners: Sendable, Hashable {
    /// The admin API.
    public var admin: VenueSimulatorListener
    /// Each venue's listener, by venue name (`mt4server`, `cplugin`, `magnr`, `deriv`, `ctrader`).
    public var venues: [String: VenueSimulatorListener]

    /// The MT4Server venue's listener.
    public var mt4Server: VenueSimulatorListener? { self.venues["mt4server"] }

    /// The CPlugin venue's listener (REST, OAuth2 token endpoint and SignalR hub on one port).
    public var cplugin: VenueSimulatorListener? { self.venues["cplugin"] }

    /// The Magnr venue's listener.
    public var magnr: VenueSimulatorListener? { self.venues["magnr"] }

    /// The Deriv venue's listener (the WebSocket endpoint `/websockets/v3`).
    public var deriv: VenueSimulatorListener? { self.venues["deriv"] }

    /// The cTrader venue's listener (the WebSocket endpoint `/` and the token endpoint `/apps/token`).
    public var ctrader: VenueSimulatorListener? { self.venues["ctrader"] }

    /// Creates the set.
    public init(admin: VenueSimulatorListener, venues: [String: VenueSimulatorListener]) {
        (self.admin, self.venues) = (admin, venues)
    }
}

/// Collects bound ports as servers come up and hands them to waiters once all are known.
final class ListenerBoard: Sendable {
    fileprivate struct State {
        var ports: [String: Int] = [:]
        var failure: VenueSimulatorError?
        var waiters: [CheckedContinuation<[String: Int], any Error>] = []
    }

    private let expected: Set<String>
    fileprivate let state = Mutex(State())

    /// Creates a board that is complete once every name in `expected` has reported.
    init(expected: Set<String>) {
        self.expected = expected
    }

    /// Records a bound port.
    func report(_ name: String, port: Int) {
        let (waiters, ports) = self.state.withLock {
            state -> ([CheckedContinuation<[String: Int], any Error>], [String: Int]) in
            state.ports[name] = port
            guard self.expected.isSubset(of: state.ports.keys) else { return ([], [:]) }
            defer { state.waiters.removeAll() }
            return (state.waiters, state.ports)
        }
        for waiter in waiters { waiter.resume(returning: ports) }
    }

    /// Fails current and future waiters (the simulator stopped, or failed before every listener was up).
    func fail(_ error: VenueSimulatorError) {
        let waiters = self.state.withLock { state in
            if state.failure == nil { state.failure = error }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    /// Returns every bound port once all are known; throws once the simulator has stopped.
    func wait() async throws -> [String: Int] {
        try await withCheckedThrowingContinuation { continuation in
            let result = self.state.withLock { state -> Result<[String: Int], VenueSimulatorError>? in
                if let failure = state.failure { return .failure(failure) }
                if self.expected.isSubset(of: state.ports.keys) { return .success(state.ports) }
                state.waiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }
}

extension ListenerBoard {
    /// Ports reported so far.
    func snapshot() -> [String: Int] {
        self.state.withLock { $0.ports }
    }
}
