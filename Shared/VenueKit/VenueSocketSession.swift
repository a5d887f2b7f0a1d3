public import Foundation
public import Logging
import NIOCore
import Synchronization
import WSClient

/// Why a request over a ``VenueSocketSession`` produced no answer.
public enum VenueSocketFailure: Error, Sendable, CustomStringConvertible {
    /// The request provably never left: no connection within the deadline, cancelled before sending, or the
    /// connection closed before it was written.
    case notSent(String)
    /// The request was handed to the connection and no answer came (deadline, connection lost): the venue may have
    /// acted on it.
    case noAnswer(String)

    public var description: String {
        switch self {
        case .notSent(let why): "not sent: \(why)"
        case .noAnswer(let why): "no answer: \(why)"
        }
    }
}

/// One request/response WebSocket to a venue whose messages carry a correlation id (Deriv's `req_id`, cTrader's
/// `clientMsgId`), shared by every caller of a venue session.
///
/// - The connection is opened on first use and kept: it is reopened with ``ExponentialBackoff`` when it closes,
///   fails, or delivers nothing for ``silenceTimeout`` (``VenueStreamSupervisor``).
/// - ``heartbeat`` is written whenever nothing was written for ``heartbeatInterval``, so the venue never cuts the
///   session for idling.
/// - Each new connection runs the owner's `setUp` (authentication, resubscription) before calls may use it; calls
///   made meanwhile wait for it, up to their deadline.
/// - ``exchange(on:timeout:accept:encode:)`` writes one request with a fresh id and waits for the frame carrying it.
///   Frames without a pending id go to the owner's `onFrame` (events, stream data) — so do all frames, first.
/// - Frames are never logged: venues echo credentials in them.
public final class VenueSocketSession<Frame: Sendable>: Sendable {
    /// A connection that is (being) set up.
    public struct Link: Sendable {
        /// Identity of this connection.
        public let id: UUID
        let outbound: AsyncStream<String>.Continuation
    }

    /// What the owner does with the session's life events.
    public struct Hooks: Sendable {
        /// Runs on every new connection before calls may use it; throwing closes the connection.
        public var setUp: @Sendable (Link) async throws -> Void
        /// Runs once a new connection may be used by calls (after `setUp`).
        public var onReady: @Sendable (Link) -> Void
        /// Every frame received, before it is matched to a pending request.
        public var onFrame: @Sendable (Frame) -> Void
        /// The first frame of a connection arrived.
        public var onUp: @Sendable () -> Void
        /// A connection that delivered frames ended, with why.
        public var onDown: @Sendable (String) -> Void

        /// Creates hooks.
        public init(
            setUp: @escaping @Sendable (Link) async throws -> Void = { _ in }, onReady: @escaping @Sendable (Link) -> Void = { _ in },
            onFrame: @escaping @Sendable (Frame) -> Void = { _ in }, onUp: @escaping @Sendable () -> Void = {},
            onDown: @escaping @Sendable (String) -> Void = { _ in }
        ) {
            self.setUp = setUp
            self.onReady = onReady
            self.onFrame = onFrame
            self.onUp = onUp
            self.onDown = onDown
        }
    }

    private struct Pending {
        var continuation: CheckedContinuation<Frame, any Error>
        var linkID: UUID
        var accept: @Sendable (Frame) -> Bool
    }

    private struct State {
        var hooks: Hooks?
        var supervisor: Task<Void, Never>?
        var isShutDown = false
        var link: Link?
        var settingUp: UUID?
        var linkWaiters: [UUID: CheckedContinuation<Link, any Error>] = [:]
        var pending: [Int: Pending] = [:]
        var nextID = 0
        var lastSent = ContinuousClock.now
        var isUp = false
    }

    /// The WebSocket URL.
    public let url: String
    /// A heartbeat goes out when nothing was written for this long.
    public let heartbeatInterval: Duration
    /// A connection that delivers nothing for this long is reopened.
    public let silenceTimeout: Duration
    /// The heartbeat frame.
    public let heartbeat: String
    private let decode: @Sendable (String) throws -> Frame
    private let correlation: @Sendable (Frame) -> Int?
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates a session; nothing connects until ``start(_:)`` and the first use.
    /// - Parameters:
    ///   - decode: parses a text frame (throwing frames are logged and skipped).
    ///   - correlation: the request id a frame answers, if any.
    public init(
        url: String, heartbeatInterval: Duration, silenceTimeout: Duration, heartbeat: String,
        decode: @escaping @Sendable (String) throws -> Frame, correlation: @escaping @Sendable (Frame) -> Int?,
        logger: Logger
    ) {
        self.url = url
        self.heartbeatInterval = heartbeatInterval
        self.silenceTimeout = silenceTimeout
        self.heartbeat = heartbeat
        self.decode = decode
        self.correlation = correlation
        self.logger = logger
    }

    /// Sets the owner's hooks; the first ``exchange(on:timeout:accept:encode:)`` or ``readyLink(within:)`` connects.
    public func start(_ hooks: Hooks) {
        self.state.withLock { $0.hooks = hooks }
    }

    /// Whether a connection currently delivers frames.
    public var isUp: Bool { self.state.withLock { $0.isUp } }

    /// The connection calls may use now, if there is one.
    public var currentLink: Link? { self.state.withLock { $0.link } }

    /// The connection calls may use, waiting up to `timeout` for one (opening it on first use).
    public func readyLink(within timeout: Duration) async throws(VenueSocketFailure) -> Link {
        self.connectOnce()
        if let link = self.state.withLock({ $0.link }) { return link }
        let id = UUID()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Link, any Error>) in
                    let ready = self.state.withLock { state -> Result<Link, VenueSocketFailure>? in
                        if state.isShutDown { return .failure(.notSent("the session is shut down")) }
                        if let link = state.link { return .success(link) }
                        state.linkWaiters[id] = continuation
                        return nil
                    }
                    if let ready {
                        continuation.resume(with: ready.mapError { $0 as any Error })
                        return
                    }
                    Task {
                        try? await Task.sleep(for: timeout)
                        self.failLinkWaiter(id, .notSent("no connection to the venue within \(timeout)"))
                    }
                }
            } onCancel: {
                self.failLinkWaiter(id, .notSent("cancelled before sending"))
            }
        } catch let failure as VenueSocketFailure {
            throw failure
        } catch {
            throw .notSent("no connection: \(type(of: error))")
        }
    }

    /// Writes the request `encode` builds for a fresh id on `link`, and waits up to `timeout` for the first frame
    /// carrying that id that `accept` takes (frames it declines still reach `onFrame`).
    public func exchange(
        on link: Link, timeout: Duration, accept: @escaping @Sendable (Frame) -> Bool = { _ in true },
        encode: (Int) throws -> String
    ) async throws(VenueSocketFailure) -> Frame {
        let id = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let text: String
        do {
            text = try encode(id)
        } catch {
            throw .notSent("the request could not be encoded")
        }
        let deadline = Task {
            try await Task.sleep(for: timeout)
            self.fail(id, .noAnswer("no answer within \(timeout)"))
        }
        defer { deadline.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Frame, any Error>) in
                    let registered = self.state.withLock { state -> Bool in
                        guard state.link?.id == link.id || state.settingUp == link.id else { return false }
                        state.pending[id] = Pending(continuation: continuation, linkID: link.id, accept: accept)
                        state.lastSent = .now
                        return true
                    }
                    guard registered else {
                        continuation.resume(throwing: VenueSocketFailure.notSent("the connection closed before sending"))
                        return
                    }
                    if case .terminated = link.outbound.yield(text) {
                        self.fail(id, .notSent("the connection closed before sending"))
                    }
                }
            } onCancel: {
                self.fail(id, .noAnswer("cancelled while waiting for the answer"))
            }
        } catch let failure as VenueSocketFailure {
            throw failure
        } catch {
            throw .noAnswer("\(type(of: error))")
        }
    }

    /// Writes a frame that expects no answer (an event, a heartbeat). Returns whether the connection took it.
    @discardableResult
    public func send(_ text: String, on link: Link) -> Bool {
        self.state.withLock { $0.lastSent = .now }
        if case .enqueued = link.outbound.yield(text) { return true }
        return false
    }

    /// Fails every call waiting for a connection now (for example when the set-up was refused for a reason that a
    /// reconnect will not cure soon); later calls wait again.
    public func failWaiting(_ failure: VenueSocketFailure) {
        let waiters = self.state.withLock { state in
            defer { state.linkWaiters = [:] }
            return Array(state.linkWaiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: failure) }
    }

    /// Closes the current connection (the supervisor reopens it), for example when the venue asks for it.
    public func reconnect(_ link: Link) {
        link.outbound.finish()
    }

    /// Closes the session for good: waiting and pending calls fail.
    public func shutdown() {
        let (supervisor, waiters, pending) = self.state.withLock { state in
            state.isShutDown = true
            defer {
                state.linkWaiters = [:]
                state.pending = [:]
                state.supervisor = nil
            }
            return (state.supervisor, Array(state.linkWaiters.values), Array(state.pending.values))
        }
        supervisor?.cancel()
        for waiter in waiters { waiter.resume(throwing: VenueSocketFailure.notSent("the session is shut down")) }
        for call in pending { call.continuation.resume(throwing: VenueSocketFailure.noAnswer("the session was shut down")) }
    }

    // MARK: - Connection

    private func fail(_ id: Int, _ failure: VenueSocketFailure) {
        let pending = self.state.withLock { $0.pending.removeValue(forKey: id) }
        pending?.continuation.resume(throwing: failure)
    }

    private func failLinkWaiter(_ id: UUID, _ failure: VenueSocketFailure) {
        let waiter = self.state.withLock { $0.linkWaiters.removeValue(forKey: id) }
        waiter?.resume(throwing: failure)
    }

    private func connectOnce() {
        self.state.withLock { state in
            guard state.supervisor == nil, !state.isShutDown, state.hooks != nil else { return }
            state.supervisor = Task { await self.supervise() }
        }
    }

    private var hooks: Hooks { self.state.withLock { $0.hooks } ?? Hooks() }

    private func supervise() async {
        let supervisor = VenueStreamSupervisor(
            silenceTimeout: self.silenceTimeout,
            backoff: ExponentialBackoff(initial: .milliseconds(200), maximum: .seconds(30)), logger: self.logger)
        try? await supervisor.run(
            connect: { frameReceived in
                let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
                try await WebSocketClient.connect(url: self.url, configuration: configuration, logger: self.logger) {
                    inbound, outbound, _ in
                    try await self.run(inbound: inbound, outbound: outbound, frameReceived: frameReceived)
                }
            },
            onUp: {
                self.state.withLock { $0.isUp = true }
                self.hooks.onUp()
            },
            onDown: { reason in
                self.state.withLock { $0.isUp = false }
                self.hooks.onDown(reason)
            })
    }

    private func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, frameReceived: @escaping @Sendable () -> Void
    ) async throws {
        let (frames, continuation) = AsyncStream.makeStream(of: String.self)
        let link = Link(id: UUID(), outbound: continuation)
        self.state.withLock { $0.settingUp = link.id }
        defer {
            continuation.finish()
            self.closed(link.id)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Ends when the link is finished (``reconnect(_:)``), which ends the connection.
                for await text in frames { try await outbound.writeTextMessage(text) }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    frameReceived()
                    switch message {
                    case .text(let text): self.receive(text, on: link.id)
                    case .binary(let buffer): self.receive(String(buffer: buffer), on: link.id)
                    }
                }
            }
            group.addTask {
                let interval = self.heartbeatInterval
                while true {
                    try await Task.sleep(for: interval / 4)
                    let idle = self.state.withLock { state -> Bool in
                        guard ContinuousClock.now - state.lastSent >= interval else { return false }
                        state.lastSent = .now
                        return true
                    }
                    if idle { continuation.yield(self.heartbeat) }
                }
            }
            group.addTask {
                try await self.hooks.setUp(link)
                let waiters = self.state.withLock { state in
                    state.link = link
                    state.settingUp = nil
                    defer { state.linkWaiters = [:] }
                    return Array(state.linkWaiters.values)
                }
                for waiter in waiters { waiter.resume(returning: link) }
                self.hooks.onReady(link)
                // Stay until the connection ends (the other tasks end it).
                for await _ in AsyncStream<Void>.makeStream().stream {}
                try Task.checkCancellation()
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func closed(_ id: UUID) {
        let orphans = self.state.withLock { state -> [Pending] in
            if state.link?.id == id { state.link = nil }
            if state.settingUp == id { state.settingUp = nil }
            let orphaned = state.pending.filter { $0.value.linkID == id }
            for key in orphaned.keys { state.pending[key] = nil }
            return Array(orphaned.values)
        }
        for call in orphans {
            call.continuation.resume(throwing: VenueSocketFailure.noAnswer("the connection closed before the answer"))
        }
    }

    private func receive(_ text: String, on linkID: UUID) {
        let frame: Frame
        do {
            frame = try self.decode(text)
        } catch {
            self.logger.warning("Unreadable frame from the venue", metadata: ["error": "\(error)"])
            return
        }
        self.hooks.onFrame(frame)
        guard let id = self.correlation(frame) else { return }
        let pending = self.state.withLock { state -> Pending? in
            guard let pending = state.pending[id], pending.linkID == linkID, pending.accept(frame) else { return nil }
            return state.pending.removeValue(forKey: id)
        }
        pending?.continuation.resume(returning: frame)
    }
}
