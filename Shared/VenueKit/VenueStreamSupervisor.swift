public import Logging
import Synchronization

/// Keeps a venue stream alive: reconnects with ``ExponentialBackoff`` when the connection ends or fails, treats a
/// connection that delivers nothing for ``silenceTimeout`` as dead, and resubscribes (each attempt runs `connect`
/// anew, which subscribes).
public struct VenueStreamSupervisor: Sendable {
    /// How long a live connection may stay silent before it is dropped and reopened.
    public var silenceTimeout: Duration
    /// The reconnect delays.
    public var backoff: ExponentialBackoff
    /// Logger for reconnects (info and below).
    public var logger: Logger

    /// Creates a supervisor.
    public init(silenceTimeout: Duration, backoff: ExponentialBackoff = ExponentialBackoff(), logger: Logger) {
        self.silenceTimeout = silenceTimeout
        self.backoff = backoff
        self.logger = logger
    }

    /// Runs connections until cancelled, or until `connect` throws an error `isFatal` accepts.
    ///
    /// - Parameters:
    ///   - connect: opens one connection, subscribes, and calls its argument for every frame until the connection
    ///     ends (return) or fails (throw).
    ///   - isFatal: errors that end supervision (for example credentials definitively refused).
    public func run(
        connect: @escaping @Sendable (_ frameReceived: @escaping @Sendable () -> Void) async throws -> Void,
        isFatal: @escaping @Sendable (any Error) -> Bool = { _ in false }
    ) async throws {
        var backoff = self.backoff
        while !Task.isCancelled {
            let frames = FrameClock()
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await connect { frames.tick() }
                    }
                    group.addTask {
                        let timeout = self.silenceTimeout
                        while true {
                            try await Task.sleep(for: timeout / 4)
                            if frames.silence > timeout {
                                throw VenueError(.streamSilent, venue: "", reason: "no frame for \(timeout)")
                            }
                        }
                    }
                    // Whichever ends first (connection closed, failed, or silent) ends this attempt.
                    try await group.next()
                    group.cancelAll()
                }
                self.logger.info("Venue stream closed; reconnecting")
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                if isFatal(error) { throw error }
                self.logger.info("Venue stream failed; reconnecting", metadata: ["error": "\(error)"])
            }
            if frames.sawFrame { backoff.reset() }
            try await Task.sleep(for: backoff.next())
        }
    }
}

/// When the last frame of one connection attempt arrived.
private final class FrameClock: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)
    private let started = ContinuousClock.now

    func tick() { self.last.withLock { $0 = ContinuousClock.now } }
    var sawFrame: Bool { self.last.withLock { $0 != nil } }
    /// Time since the last frame (or since the attempt started, before the first frame).
    var silence: Duration { ContinuousClock.now - (self.last.withLock { $0 } ?? self.started) }
}
