public import Foundation

/// A session token and when it stops working.
public struct VenueToken: Sendable, Hashable {
    /// The token (never printed).
    public var value: VenueSecret
    /// When the venue will stop accepting it, if it expires.
    public var expiresAt: Date?
    /// A number that changes with every new token, so a rejection of an old token does not discard a newer one.
    public var generation: Int

    /// Creates a token.
    public init(value: VenueSecret, expiresAt: Date?, generation: Int) {
        self.value = value
        self.expiresAt = expiresAt
        self.generation = generation
    }
}

/// Where a session gets its token: a login of its own (auth-token-broker, tests) or the broker's grants.
public protocol VenueTokenSource: Sendable {
    /// The token to use now: cached while valid, refreshed ahead of expiry.
    func currentToken() async throws(VenueError) -> VenueToken
    /// The venue rejected `token`: obtain a new one, unless a newer one already replaced it. Single-flight.
    func tokenRejected(_ token: VenueToken) async throws(VenueError) -> VenueToken
}

/// Caches a token obtained by `obtain`, refreshing it `refreshMargin` before it expires and at once when the venue
/// rejects it. Refreshes are single-flight: concurrent callers share one login.
public actor VenueTokenCache: VenueTokenSource {
    private let obtain: @Sendable () async throws(VenueError) -> (VenueSecret, Date?)
    private let refreshMargin: Duration
    private let now: @Sendable () -> Date
    private var token: VenueToken?
    private var waiters: [CheckedContinuation<Result<VenueToken, VenueError>, Never>]?
    private var generation = 0
    /// How many logins were made (for metrics and tests).
    public private(set) var loginCount = 0

    /// Creates a cache around a login call.
    /// - Parameters:
    ///   - refreshMargin: how long before expiry a token is replaced.
    ///   - now: the clock (injectable for tests).
    ///   - obtain: performs the login and returns the token and its expiry.
    public init(
        refreshMargin: Duration = .seconds(30), now: @escaping @Sendable () -> Date = { Date() },
        obtain: @escaping @Sendable () async throws(VenueError) -> (VenueSecret, Date?)
    ) {
        self.obtain = obtain
        self.refreshMargin = refreshMargin
        self.now = now
    }

    public func currentToken() async throws(VenueError) -> VenueToken {
        if let token = self.token, !self.isExpiring(token) { return token }
        return try await self.refresh()
    }

    public func tokenRejected(_ rejected: VenueToken) async throws(VenueError) -> VenueToken {
        if let token = self.token, token.generation > rejected.generation { return token }
        self.token = nil
        return try await self.refresh()
    }

    private func isExpiring(_ token: VenueToken) -> Bool {
        guard let expiresAt = token.expiresAt else { return false }
        let margin = Double(self.refreshMargin.components.seconds)
            + Double(self.refreshMargin.components.attoseconds) / 1e18
        return self.now().addingTimeInterval(margin) >= expiresAt
    }

    /// Single-flight: the first caller logs in; callers arriving meanwhile wait for its result.
    private func refresh() async throws(VenueError) -> VenueToken {
        if self.waiters != nil {
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<VenueToken, VenueError>, Never>) in
                self.waiters?.append(continuation)
            }
            return try result.get()
        }
        self.waiters = []
        self.generation += 1
        self.loginCount += 1
        let result: Result<VenueToken, VenueError>
        do {
            let (value, expiresAt) = try await self.obtain()
            result = .success(VenueToken(value: value, expiresAt: expiresAt, generation: self.generation))
        } catch {
            result = .failure(error)
        }
        if case .success(let token) = result { self.token = token }
        let waiters = self.waiters ?? []
        self.waiters = nil
        for waiter in waiters { waiter.resume(returning: result) }
        return try result.get()
    }
}
