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
    ///   - onUp: called at the first frame of each connection.
    ///   - onDown: called when a connection that delivered frames ends, with why.
    public func run(
        connect: @escaping @Sendable (_ frameReceived: @escaping @Sendable () -> Void) async throws -> Void,
        isFatal: @escaping @Sendable (any Error) -> Bool = { _ in false },
        onUp: @escaping @Sendable () -> Void = {},
        onDown: @escaping @Sendable (_ reason: String) -> Void = { _ in }
    ) async throws {
        var backoff = self.backoff
        var wasUp = false
        while !Task.isCancelled {
            let frames = FrameClock(onFirstFrame: onUp)
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
                if frames.sawFrame || wasUp { onDown("the connection closed") }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                if frames.sawFrame || wasUp {
                    let silent = (error as? VenueError)?.code == .streamSilent
                    onDown(silent ? "no frame for \(self.silenceTimeout)" : "the connection failed")
                }
                if isFatal(error) { throw error }
                self.logger.info("Venue stream failed; reconnecting", metadata: ["error": "\(error)"])
            }
            wasUp = false
            if frames.sawFrame { backoff.reset() }
            try await Task.sleep(for: backoff.next())
        }
    }
}

/// When the last frame of one connection attempt arrived.
private final class FrameClock: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)
    private let started = ContinuousClock.now
    private let onFirstFrame: @Sendable () -> Void

    init(onFirstFrame: @escaping @Sendable () -> Void) { self.onFirstFrame = onFirstFrame }

    func tick() {
        let first = self.last.withLock { last in
            defer { last = ContinuousClock.now }
            return last == nil
        }
        if first { self.onFirstFrame() }
    }
    var sawFrame: Bool { self.last.withLock { $0 != nil } }
    /// Time since the last frame (or since the attempt started, before the first frame).
    var silence: Duration { ContinuousClock.now - (self.last.withLock { $0 } ?? self.started) }
}
