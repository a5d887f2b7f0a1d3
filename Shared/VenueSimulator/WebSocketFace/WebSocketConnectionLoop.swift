import HummingbirdWebSocket
import NIOCore
import ServiceLifecycle
import Synchronization

/// The loop that serves one connection of a WebSocket face (cTrader, Deriv, the CPlugin hub).
///
/// One loop handles every event of the connection in order, so that answers, pushes and keep-alives never interleave:
/// a reader task turns the client's messages into ``WebSocketConnectionEvent/message(_:)`` events, a timer task paces
/// ``WebSocketConnectionEvent/timer`` events (never more than one queued, so that a busy connection does not pile them
/// up), the venue adds ``WebSocketConnectionEvent/push(_:)`` and ``WebSocketConnectionEvent/shutdown`` events through
/// the ``WebSocketConnectionRegistry``, and graceful shutdown adds a `shutdown` event. What each event means is the
/// face's business: its `handle` closure answers, and returns `false` to end the connection.
enum WebSocketConnectionLoop {
    /// How often a connection's timer fires: once per price step (`tickInterval`) or ten times per `shortestTimeout`,
    /// whichever is more often, but at least every 100 ms and at most every millisecond. `floor` bounds the timeout
    /// checks alone from below (a shorter price step still wins).
    static func timerPeriod(
        tickInterval: Duration, shortestTimeout: Duration, floor: Duration = .zero
    ) -> Duration {
        let housekeeping = max(floor, min(shortestTimeout / 10, .milliseconds(100)))
        return max(.milliseconds(1), min(tickInterval, housekeeping))
    }

    /// Serves one connection until `handle` returns `false`: registers it in `registry` for as long as it is open,
    /// makes its session from its id, then handles its events in order.
    ///
    /// Returning lets hummingbird-websocket send its close frame (1000). When the client's side ended on an error (a
    /// fragmented message over `maxMessageSize`: 1009, invalid UTF-8: 1007) that error is rethrown once the loop
    /// ends, so that the close frame carries its code. A single frame over the server's `maxFrameSize` never gets
    /// here: the WebSocket decoder answers it with a 1009 close frame and closes the connection.
    ///
    /// - Parameters:
    ///   - maxMessageSize: Largest message the reader assembles from fragments; a larger one ends the client's side.
    ///   - timerPeriod: How often ``WebSocketConnectionEvent/timer`` fires (see
    ///     ``timerPeriod(tickInterval:shortestTimeout:floor:)``).
    ///   - makeSession: The state of the connection that only its loop touches, from the connection's id.
    ///   - handle: Handles one event; `false` ends the connection.
    static func run<Info: Sendable, Push: Sendable, Session>(
        channel: any Channel, registry: WebSocketConnectionRegistry<Info, Push>, inbound: WebSocketInboundStream,
        maxMessageSize: Int, timerPeriod: Duration,
        makeSession: (_ id: Int) -> Session,
        handle: (WebSocketConnectionEvent<Push>, inout Session) async -> Bool
    ) async throws {
        let (events, continuation) = AsyncStream.makeStream(of: WebSocketConnectionEvent<Push>.self)
        let id = registry.register(channel: channel, events: continuation)
        defer {
            continuation.finish()
            registry.unregister(id)
        }
        var session = makeSession(id)
        let timerPending = TimerFlag()
        let (inboundErrors, inboundError) = AsyncStream.makeStream(
            of: (any Error).self, bufferingPolicy: .bufferingNewest(1))
        var failure: (any Error)?
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: maxMessageSize) {
                        switch message {
                        case .text(let text): continuation.yield(.message(text))
                        case .binary(let buffer): continuation.yield(.message(String(buffer: buffer)))
                        }
                    }
                } catch {
                    if !(error is CancellationError) { inboundError.yield(error) }
                }
                inboundError.finish()
                continuation.yield(.inboundEnded)
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: timerPeriod)
                    if timerPending.set() { continuation.yield(.timer) }
                }
            }
            await withGracefulShutdownHandler {
                for await event in events {
                    if case .timer = event { timerPending.clear() }
                    guard await handle(event, &session) else {
                        if case .inboundEnded = event {
                            for await error in inboundErrors { failure = error }
                        }
                        break
                    }
                }
            } onGracefulShutdown: {
                continuation.yield(.shutdown)
            }
            group.cancelAll()
        }
        if let failure { throw failure }
    }
}

/// Whether a timer event is queued and not handled yet, so that a busy connection never piles up timer events.
private final class TimerFlag: Sendable {
    private let queued = Mutex(false)

    /// Marks a timer event queued; `false` when one already is.
    func set() -> Bool {
        self.queued.withLock { queued in
            defer { queued = true }
            return !queued
        }
    }

    /// Marks the queued timer event handled.
    func clear() {
        self.queued.withLock { $0 = false }
    }
}

/// A deadline that recurs every `interval` (the next price-step push of a connection).
struct RecurringDeadline: Sendable {
    /// The time between two deadlines.
    let interval: Duration
    /// When the deadline falls due next.
    private(set) var next: ContinuousClock.Instant

    /// A deadline every `interval`, the first one due at once.
    init(every interval: Duration) {
        self.interval = interval
        self.next = .now
    }

    /// Whether the deadline has passed at `now`. When it has, it moves one interval on, or to `now + interval` when
    /// the connection fell more than an interval behind (so that a late connection does not catch up in a burst).
    mutating func isDue(at now: ContinuousClock.Instant) -> Bool {
        guard now >= self.next else { return false }
        self.next += self.interval
        if self.next <= now { self.next = now + self.interval }
        return true
    }
}
