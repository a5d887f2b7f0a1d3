public import Foundation

/// Session tokens taken from the auth-token-broker's grants: the executors and the tick-publisher hold no venue
/// secrets. Apply each grant read from `auth.tokens` with ``apply(_:)``; the token's generation is the grant version.
///
/// When the venue refuses a token, ``tokenRejected(_:)`` asks for a refresh once per version (through
/// `requestRefresh`, which publishes a `TokenRefreshRequest`) and waits for a newer grant.
public actor GrantTokenSource: VenueTokenSource {
    private let venue: String
    private let waitTimeout: Duration
    private let extract: @Sendable (VenueSessionGrant.Material) -> VenueSecret?
    private let requestRefresh: @Sendable (_ staleVersion: Int) async -> Void
    private let now: @Sendable () -> Date
    private var grant: VenueSessionGrant?
    private var requestedFor: Set<Int> = []
    private var waiters: [UUID: (minimum: Int, continuation: CheckedContinuation<Bool, Never>)] = [:]

    /// Creates a source for `venue`.
    /// - Parameters:
    ///   - waitTimeout: how long a caller waits for a (newer) grant before failing with `unauthorized`.
    ///   - extract: the token inside the protocol's session material (`nil` if the material is of another protocol).
    ///   - requestRefresh: asks the auth-token-broker for a grant newer than `staleVersion`.
    public init(
        venue: String, waitTimeout: Duration = .seconds(10), now: @escaping @Sendable () -> Date = { Date() },
        extract: @escaping @Sendable (VenueSessionGrant.Material) -> VenueSecret?,
        requestRefresh: @escaping @Sendable (_ staleVersion: Int) async -> Void
    ) {
        self.venue = venue
        self.waitTimeout = waitTimeout
        self.now = now
        self.extract = extract
        self.requestRefresh = requestRefresh
    }

    /// Applies a grant if it is for this venue and newer than the current one. Returns whether it was applied.
    @discardableResult
    public func apply(_ grant: VenueSessionGrant) -> Bool {
        guard grant.venue == self.venue, self.extract(grant.material) != nil,
            grant.version > (self.grant?.version ?? 0)
        else { return false }
        self.grant = grant
        for (id, waiter) in self.waiters where grant.version >= waiter.minimum {
            self.waiters[id] = nil
            waiter.continuation.resume(returning: true)
        }
        return true
    }

    /// The version of the grant in use, if any.
    public var currentVersion: Int? { self.grant?.version }

    public func currentToken() async throws(VenueError) -> VenueToken {
        if let token = self.usableToken() { return token }
        if let grant = self.grant { await self.requestOnce(staleVersion: grant.version) }
        return try await self.waitForGrant(newerThan: self.grant?.version ?? 0)
    }

    public func tokenRejected(_ token: VenueToken) async throws(VenueError) -> VenueToken {
        if let grant = self.grant, grant.version > token.generation, let current = self.usableToken() { return current }
        await self.requestOnce(staleVersion: token.generation)
        return try await self.waitForGrant(newerThan: token.generation)
    }

    private func usableToken() -> VenueToken? {
        guard let grant = self.grant, let secret = self.extract(grant.material) else { return nil }
        if let expiresAt = grant.expiresAt, expiresAt <= self.now() { return nil }
        return VenueToken(value: secret, expiresAt: grant.expiresAt, generation: grant.version)
    }

    private func requestOnce(staleVersion: Int) async {
        guard self.requestedFor.insert(staleVersion).inserted else { return }
        await self.requestRefresh(staleVersion)
    }

    private func waitForGrant(newerThan version: Int) async throws(VenueError) -> VenueToken {
        let id = UUID()
        let timeout = self.waitTimeout
        let arrived = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.suspend(id: id, minimum: version + 1) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                await self.cancelWaiter(id)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            self.cancelWaiter(id)
            return first
        }
        guard arrived, let token = self.usableToken() else {
            throw VenueError(.unauthorized, venue: self.venue, reason: "no usable grant within \(timeout)")
        }
        return token
    }

    private func suspend(id: UUID, minimum: Int) async -> Bool {
        if (self.grant?.version ?? 0) >= minimum { return true }
        return await withCheckedContinuation { continuation in
            self.waiters[id] = (minimum, continuation)
        }
    }

    private func cancelWaiter(_ id: UUID) {
        self.waiters.removeValue(forKey: id)?.continuation.resume(returning: false)
    }
}
