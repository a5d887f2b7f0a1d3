import NIOCore
import Synchronization

/// What drives one connection's loop.
enum CTraderConnectionEvent: Sendable {
    /// A text (or binary, read as UTF-8) message from the client.
    case frame(String)
    /// The client's side ended (close frame, TCP close, or a protocol error such as an oversized message).
    case inboundEnded
    /// Time to check the heartbeat timeout, send a heartbeat and push spots.
    case timer
    /// Frames produced elsewhere for this connection (execution events of a price step, 2147), sent in order.
    case push([String])
    /// Graceful shutdown: close.
    case shutdown
}

/// The open connections of the cTrader venue and their authentication state (application auth, the accounts
/// authorized on each and the access token each was authorized with), so that token invalidation, price-step events,
/// faults and the admin status can reach them. Counters for the admin status live here too.
final class CTraderConnections: Sendable {
    private struct Entry {
        var channel: any Channel
        var events: AsyncStream<CTraderConnectionEvent>.Continuation
        var isApplicationAuthenticated = false
        /// Accounts authorized on the connection, with the access token each was authorized with.
        var accounts: [Int64: String] = [:]
        var spotSubscriptions = 0
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 1
        var isShutDown = false
        var heartbeatClosures = 0
        var rateLimited = 0
        var refreshes = 0
    }

    private let state = Mutex(State())

    /// Registers an open connection; returns its id. After ``shutDown()`` it is told to close at once.
    func register(channel: any Channel, events: AsyncStream<CTraderConnectionEvent>.Continuation) -> Int {
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

    // MARK: - Authentication

    /// Whether connection `id` passed application auth (2100).
    func isApplicationAuthenticated(_ id: Int) -> Bool {
        self.state.withLock { $0.entries[id]?.isApplicationAuthenticated ?? false }
    }

    /// Marks connection `id` application-authenticated.
    func setApplicationAuthenticated(_ id: Int) {
        self.state.withLock { $0.entries[id]?.isApplicationAuthenticated = true }
    }

    /// The access token `account` was authorized with on connection `id`, or `nil` when it is not authorized there.
    func token(of account: Int64, on id: Int) -> String? {
        self.state.withLock { $0.entries[id]?.accounts[account] }
    }

    /// Authorizes `account` on connection `id` with `token` (replacing an earlier token).
    func authorize(_ account: Int64, token: String, on id: Int) {
        self.state.withLock { $0.entries[id]?.accounts[account] = token }
    }

    /// The accounts authorized on connection `id`.
    func accounts(on id: Int) -> Set<Int64> {
        self.state.withLock { $0.entries[id].map { Set($0.accounts.keys) } ?? [] }
    }

    /// De-authorizes every account whose token `invalidity` finds invalid, on every connection, and sends each
    /// affected connection one 2147 frame per reason (made by `makeFrame(accounts, reason)`). Returns how many
    /// connections were affected.
    @discardableResult
    func invalidateTokens(
        invalidity: (String) -> String?, makeFrame: ([Int64], String) -> String
    ) -> Int {
        let notices = self.state.withLock { state in
            var notices: [(AsyncStream<CTraderConnectionEvent>.Continuation, [String: [Int64]])] = []
            for (id, entry) in state.entries {
                var byReason: [String: [Int64]] = [:]
                for (account, token) in entry.accounts {
                    guard let reason = invalidity(token) else { continue }
                    byReason[reason, default: []].append(account)
                    state.entries[id]?.accounts[account] = nil
                }
                if !byReason.isEmpty { notices.append((entry.events, byReason)) }
            }
            return notices
        }
        for (events, byReason) in notices {
            let frames = byReason.sorted { $0.key < $1.key }.map { makeFrame($0.value.sorted(), $0.key) }
            events.yield(.push(frames))
        }
        return notices.count
    }

    /// Sends `frames` to every connection on which `account` is authorized; returns how many connections.
    @discardableResult
    func push(_ frames: [String], toAccount account: Int64) -> Int {
        guard !frames.isEmpty else { return 0 }
        let targets = self.state.withLock { state in
            state.entries.values.filter { $0.accounts[account] != nil }.map(\.events)
        }
        for events in targets { events.yield(.push(frames)) }
        return targets.count
    }

    // MARK: - Counters

    /// Records how many spot subscriptions connection `id` has.
    func setSpotSubscriptions(_ count: Int, of id: Int) {
        self.state.withLock { $0.entries[id]?.spotSubscriptions = count }
    }

    /// Counts a connection closed by the heartbeat timeout.
    func countHeartbeatClosure() {
        self.state.withLock { $0.heartbeatClosures += 1 }
    }

    /// Counts a request refused by the rate limit.
    func countRateLimited() {
        self.state.withLock { $0.rateLimited += 1 }
    }

    /// Counts a successful token refresh (2173 or `/apps/token`).
    func countRefresh() {
        self.state.withLock { $0.refreshes += 1 }
    }

    /// Resets the counters.
    func resetCounters() {
        self.state.withLock { state in
            state.heartbeatClosures = 0
            state.rateLimited = 0
            state.refreshes = 0
        }
    }

    /// `openConnections`, `authenticatedAccounts` (accounts authorized, summed over connections),
    /// `spotSubscriptions`, `heartbeatClosures`, `refreshes` and `rateLimited`.
    var counters: [String: Int] {
        self.state.withLock { state in
            let entries = state.entries.values
            return [
                "openConnections": entries.count,
                "authenticatedAccounts": entries.reduce(0) { $0 + $1.accounts.count },
                "spotSubscriptions": entries.reduce(0) { $0 + $1.spotSubscriptions },
                "heartbeatClosures": state.heartbeatClosures, "refreshes": state.refreshes,
                "rateLimited": state.rateLimited,
            ]
        }
    }

    // MARK: - Closing

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
}
