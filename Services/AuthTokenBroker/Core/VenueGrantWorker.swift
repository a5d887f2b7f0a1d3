import Foundation
import GrantSealing
import KafkaBridge
import Logging
import Messages
import ServiceSupport
import Synchronization
import VenueKit

/// Keeps one venue's session grant fresh: logs in through the protocol module, seals the session material, publishes
/// it to `auth.tokens`, and logs in again ahead of expiry or when asked (a refresh request naming the current
/// version). Failures back off exponentially and are reported as `AuthEvent`s — without secret material.
final class VenueGrantWorker: Sendable {
    let venue: VenueDefinition
    private let login: @Sendable () async throws(VenueError) -> (VenueSessionGrant.Material, Date?)
    private let publisher: GrantPublisher
    private let versions: GrantVersionStore
    private let refreshMargin: Duration
    private let signal = RefreshSignal()
    private let logger: Logger

    init(
        venue: VenueDefinition, login: @escaping @Sendable () async throws(VenueError) -> (VenueSessionGrant.Material, Date?),
        publisher: GrantPublisher, versions: GrantVersionStore, refreshMargin: Duration, logger: Logger
    ) {
        self.venue = venue
        self.login = login
        self.publisher = publisher
        self.versions = versions
        self.refreshMargin = refreshMargin
        var logger = logger
        logger[metadataKey: "venue.name"] = "\(venue.id)"
        self.logger = logger
    }

    /// A refresh request arrived. Requests about an older version than the current grant are already satisfied.
    func requestRefresh(staleVersion: Int?) {
        let current = self.versions.current(self.venue.id)
        if let stale = staleVersion, let current, stale < current { return }
        self.signal.fire()
    }

    /// Issues grants until cancelled.
    func run() async throws {
        var backoff = ExponentialBackoff(initial: .milliseconds(200), maximum: .seconds(60))
        var issuedOnce = false
        while !Task.isCancelled {
            let nextRefresh: ContinuousClock.Instant?
            do {
                let (material, expiresAt) = try await self.login()
                let version = try self.versions.next(self.venue.id)
                let grant = VenueSessionGrant(
                    venue: self.venue.id, version: version, material: material, issuedAt: Date(), expiresAt: expiresAt)
                try await self.publisher.publish(grant, kind: issuedOnce ? .refreshed : .issued)
                issuedOnce = true
                backoff.reset()
                self.logger.info("Grant published", metadata: ["grant.version": "\(version)"])
                nextRefresh = expiresAt.map { ContinuousClock.now + .seconds(max(1, $0.timeIntervalSinceNow - self.refreshMargin.seconds)) }
            } catch let error as VenueError {
                let revoked = error.code == .unauthorized
                try? await self.publisher.failure(venue: self.venue, revoked: revoked, reason: error.reason)
                self.logger.warning("Login failed", metadata: ["error": "\(error)", "auth.revoked": "\(revoked)"])
                // Revoked credentials will not heal by retrying quickly: wait the longest delay.
                let delay = revoked ? backoff.maximum : backoff.next()
                try await self.signal.wait(until: ContinuousClock.now + delay)
                continue
            } catch let error as CancellationError {
                throw error
            } catch {
                try? await self.publisher.failure(venue: self.venue, revoked: false, reason: "publishing the grant failed")
                self.logger.warning("Grant not published", metadata: ["error": "\(error)"])
                try await Task.sleep(for: backoff.next())
                continue
            }
            try await self.signal.wait(until: nextRefresh)
        }
    }
}

/// Wakes a worker for a refresh (or lets a deadline pass). Firing before anyone waits is remembered.
final class RefreshSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func fire() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            if state.waiter == nil { state.pending = true }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns when fired, when `deadline` passes (never, if `nil`), or throws when cancelled.
    func wait(until deadline: ContinuousClock.Instant?) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let fired = self.state.withLock { state -> Bool in
                            if state.pending {
                                state.pending = false
                                return true
                            }
                            state.waiter = continuation
                            return false
                        }
                        if fired { continuation.resume() }
                    }
                } onCancel: {
                    self.fire()
                }
            }
            if let deadline { group.addTask { try await Task.sleep(until: deadline) } }
            try await group.next()
            group.cancelAll()
        }
        // A cancel-induced fire left behind must not trigger the next wait.
        self.state.withLock { $0.pending = false }
        try Task.checkCancellation()
    }
}
