import Synchronization

/// The authentication state of one cTrader connection, kept in the ``WebSocketConnectionRegistry`` where token
/// invalidation and price-step events can reach it.
struct CTraderConnectionState: Sendable {
    var isApplicationAuthenticated = false
    /// Accounts authorized on the connection, with the access token each was authorized with.
    var accounts: [Int64: String] = [:]
    var spotSubscriptions = 0
}

/// The open connections of the cTrader venue and their authentication state (application auth, the accounts
/// authorized on each and the access token each was authorized with), so that token invalidation, price-step events,
/// faults and the admin status can reach them. Counters for the admin status live here too.
final class CTraderConnections: Sendable {
    private struct Counters {
        var heartbeatClosures = 0
        var rateLimited = 0
        var refreshes = 0
    }

    /// The open connections; a connection pushes the frames of a price step (``push(_:toAccount:)``) in order.
    let registry = WebSocketConnectionRegistry<CTraderConnectionState, [String]>(initialInfo: CTraderConnectionState())
    private let counts = Mutex(Counters())

    // MARK: - Authentication

    /// Whether connection `id` passed application auth (2100).
    func isApplicationAuthenticated(_ id: Int) -> Bool {
        self.registry.withInfo(of: id) { $0.isApplicationAuthenticated } ?? false
    }

    /// Marks connection `id` application-authenticated.
    func setApplicationAuthenticated(_ id: Int) {
        self.registry.withInfo(of: id) { $0.isApplicationAuthenticated = true }
    }

    /// The access token `account` was authorized with on connection `id`, or `nil` when it is not authorized there.
    func token(of account: Int64, on id: Int) -> String? {
        self.registry.withInfo(of: id) { $0.accounts[account] } ?? nil
    }

    /// Authorizes `account` on connection `id` with `token` (replacing an earlier token).
    func authorize(_ account: Int64, token: String, on id: Int) {
        self.registry.withInfo(of: id) { $0.accounts[account] = token }
    }

    /// The accounts authorized on connection `id`.
    func accounts(on id: Int) -> Set<Int64> {
        self.registry.withInfo(of: id) { Set($0.accounts.keys) } ?? []
    }

    /// De-authorizes every account whose token `invalidity` finds invalid, on every connection, and sends each
    /// affected connection one 2147 frame per reason (made by `makeFrame(accounts, reason)`). Returns how many
    /// connections were affected.
    @discardableResult
    func invalidateTokens(
        invalidity: (String) -> String?, makeFrame: ([Int64], String) -> String
    ) -> Int {
        let notices = self.registry.updateEach { connection -> [String: [Int64]]? in
            var byReason: [String: [Int64]] = [:]
            for (account, token) in connection.accounts {
                guard let reason = invalidity(token) else { continue }
                byReason[reason, default: []].append(account)
                connection.accounts[account] = nil
            }
            return byReason.isEmpty ? nil : byReason
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
        return self.registry.push(frames) { $0.accounts[account] != nil }
    }

    // MARK: - Counters

    /// Records how many spot subscriptions connection `id` has.
    func setSpotSubscriptions(_ count: Int, of id: Int) {
        self.registry.withInfo(of: id) { $0.spotSubscriptions = count }
    }

    /// Counts a connection closed by the heartbeat timeout.
    func countHeartbeatClosure() {
        self.counts.withLock { $0.heartbeatClosures += 1 }
    }

    /// Counts a request refused by the rate limit.
    func countRateLimited() {
        self.counts.withLock { $0.rateLimited += 1 }
    }

    /// Counts a successful token refresh (2173 or `/apps/token`).
    func countRefresh() {
        self.counts.withLock { $0.refreshes += 1 }
    }

    /// Resets the counters.
    func resetCounters() {
        self.counts.withLock { $0 = Counters() }
    }

    /// `openConnections`, `authenticatedAccounts` (accounts authorized, summed over connections),
    /// `spotSubscriptions`, `heartbeatClosures`, `refreshes` and `rateLimited`.
    var counters: [String: Int] {
        let connections = self.registry.infos
        let counts = self.counts.withLock { $0 }
        return [
            "openConnections": connections.count,
            "authenticatedAccounts": connections.reduce(0) { $0 + $1.accounts.count },
            "spotSubscriptions": connections.reduce(0) { $0 + $1.spotSubscriptions },
            "heartbeatClosures": counts.heartbeatClosures, "refreshes": counts.refreshes,
            "rateLimited": counts.rateLimited,
        ]
    }
}
