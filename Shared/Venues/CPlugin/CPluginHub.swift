import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import Messages
import NIOCore
import NIOHTTP1
import SignalRProtocol
import Synchronization
import VenueKit
import WSClient

/// The client side of CPlugin's MT4 hub (protocols.md §2.6–2.7): one SignalR connection per venue session, shared by
/// every quote stream of the client.
///
/// A connection negotiates (optional), opens the WebSocket with the bearer token as `access_token`, performs the JSON
/// protocol handshake, calls `Connect(tradePlatform)`, then `SubscribeToTicks(tradePlatform, symbol)` for every symbol
/// some stream wants; symbols added or dropped while connected are (un)subscribed at once. `onTick` events (matched
/// case-insensitively: v1 `onTick(tradePlatform, tick)`, v2 `OnTick(tick)`) go to the streams that want the symbol.
/// The client pings when it sent nothing for ``CPluginConfiguration/hubPingInterval``; a connection that delivers
/// nothing (not even the server's pings) for ``CPluginConfiguration/hubServerTimeout`` is dead and is reopened, with
/// backoff, and everything is subscribed again.
final class CPluginHub: Sendable {
    private struct Subscriber {
        var symbols: Set<String>
        var continuation: AsyncThrowingStream<VenueMarketEvent, any Error>.Continuation
    }

    private struct State {
        var subscribers: [UUID: Subscriber] = [:]
        var supervisor: Task<Void, Never>?
        /// The live connection's control input, once its handshake is accepted, with the connection's id.
        var link: (id: UUID, control: AsyncStream<HubControl>.Continuation)?
        var isUp = false

        var wanted: Set<String> { self.subscribers.values.reduce(into: []) { $0.formUnion($1.symbols) } }
    }

    enum HubControl: Sendable {
        case handshakeAccepted
        case subscribe(Set<String>)
        case unsubscribe(Set<String>)
        case ping
    }

    private let configuration: CPluginConfiguration
    private let tokens: any VenueTokenSource
    private let http: VenueHTTP
    private let venueID: String
    private let logger: Logger
    private let state = Mutex(State())

    /// Reads the last tick of a symbol over REST (the client's `TickInfoLast`).
    private let fallback: (@Sendable (String) async throws -> VenueQuote)?

    init(
        configuration: CPluginConfiguration, tokens: any VenueTokenSource, http: VenueHTTP, venueID: String, logger: Logger,
        fallback: (@Sendable (String) async throws -> VenueQuote)?
    ) {
        self.fallback = fallback
        self.configuration = configuration
        self.tokens = tokens
        self.http = http
        self.venueID = venueID
        self.logger = logger
    }

    /// Quotes and stream state of `symbols` until the stream is terminated.
    func events(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: VenueMarketEvent.self)
        let id = UUID()
        // The supervisor is started under the same lock that registers the first subscriber, so two streams
        // starting together never start two connections.
        let (link, isUp, added) = self.state.withLock {
            state -> (AsyncStream<HubControl>.Continuation?, Bool, Set<String>) in
            let before = state.wanted
            state.subscribers[id] = Subscriber(symbols: symbols, continuation: continuation)
            if state.supervisor == nil {
                state.supervisor = Task { await self.supervise() }
                return (nil, false, [])
            }
            return (state.link?.control, state.isUp, symbols.subtracting(before))
        }
        continuation.onTermination = { _ in self.leave(id) }
        if let link, !added.isEmpty { link.yield(.subscribe(added)) }
        if isUp { for symbol in symbols.sorted() { continuation.yield(.connected(symbol: symbol)) } }
        return stream
    }

    private func leave(_ id: UUID) {
        let (supervisor, link, removed) = self.state.withLock { state -> (Task<Void, Never>?, AsyncStream<HubControl>.Continuation?, Set<String>) in
            let before = state.wanted
            state.subscribers[id] = nil
            if state.subscribers.isEmpty {
                defer { state.supervisor = nil }
                return (state.supervisor, nil, [])
            }
            return (nil, state.link?.control, before.subtracting(state.wanted))
        }
        supervisor?.cancel()
        if let link, !removed.isEmpty { link.yield(.unsubscribe(removed)) }
    }

    private func broadcast(_ make: (String) -> VenueMarketEvent) {
        let subscribers = self.state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers {
            for symbol in subscriber.symbols.sorted() { subscriber.continuation.yield(make(symbol)) }
        }
    }

    private func deliver(_ quote: VenueQuote) {
        let targets = self.state.withLock { state in
            state.subscribers.values.filter { $0.symbols.contains(quote.symbol) }.map(\.continuation)
        }
        for continuation in targets { continuation.yield(.quote(quote)) }
    }

    private func supervise() async {
        let supervisor = VenueStreamSupervisor(
            silenceTimeout: self.configuration.hubServerTimeout,
            // The vendor SDK's reconnect delays are 0, 2, 10 and 30 s (protocols.md §2.6).
            backoff: ExponentialBackoff(initial: .milliseconds(200), maximum: .seconds(30)), logger: self.logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.runSupervisor(supervisor) }
                group.addTask { await self.pollWhileDown() }
                // The supervisor ends only by cancellation or a fatal error; the poller never ends by itself.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            let subscribers = self.state.withLock { state in
                defer { state.subscribers = [:] }
                return Array(state.subscribers.values)
            }
            for subscriber in subscribers { subscriber.continuation.finish(throwing: error) }
        }
    }

    private func runSupervisor(_ supervisor: VenueStreamSupervisor) async throws {
        try await supervisor.run(
                connect: { frameReceived in try await self.connection(frameReceived: frameReceived) },
                isFatal: { error in (error as? VenueError)?.code == .unauthorized },
                onUp: {
                    self.state.withLock { $0.isUp = true }
                    self.broadcast { .connected(symbol: $0) }
                },
                onDown: { reason in
                    self.state.withLock { $0.isUp = false }
                    self.broadcast { .disconnected(symbol: $0, reason: reason) }
                })
    }

    /// The REST fallback: while the hub has been down for ``CPluginConfiguration/quoteFallbackAfter``, the last tick
    /// of every wanted symbol is read with `TickInfoLast` every ``CPluginConfiguration/quoteFallbackInterval`` and
    /// delivered as a quote, until the hub delivers again.
    private func pollWhileDown() async {
        guard let fallback = self.fallback else { return }
        var downSince: ContinuousClock.Instant? = .now
        while !Task.isCancelled {
            try? await Task.sleep(for: self.configuration.quoteFallbackInterval)
            let (isUp, wanted) = self.state.withLock { ($0.isUp, $0.wanted) }
            if isUp {
                downSince = nil
                continue
            }
            let since = downSince ?? .now
            downSince = since
            guard ContinuousClock.now - since >= self.configuration.quoteFallbackAfter else { continue }
            for symbol in wanted.sorted() {
                if let quote = try? await fallback(symbol), !self.state.withLock({ $0.isUp }) { self.deliver(quote) }
            }
        }
    }

    // MARK: - One connection

    private func connection(frameReceived: @escaping @Sendable () -> Void) async throws {
        let token = try await self.tokens.currentToken()
        let target: HubTarget
        do {
            target = try await self.negotiate(token: token)
        } catch let error as VenueError where error.code == .unauthorized {
            _ = try await self.tokens.tokenRejected(token)
            throw VenueError(.venueFailure, venue: self.venueID, reason: "negotiate refused the token")
        }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        do {
            try await WebSocketClient.connect(url: target.webSocketURL, configuration: configuration, logger: self.logger) {
                inbound, outbound, _ in
                try await self.run(inbound: inbound, outbound: outbound, frameReceived: frameReceived)
            }
        } catch let error as WebSocketClientError {
            // The upgrade was refused (401 for a token the hub no longer accepts): get a new one before reconnecting.
            _ = try await self.tokens.tokenRejected(token)
            throw VenueError(.venueFailure, venue: self.venueID, reason: "hub upgrade refused", underlying: error)
        }
    }

    private func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, frameReceived: @escaping @Sendable () -> Void
    ) async throws {
        let (controls, control) = AsyncStream.makeStream(of: HubControl.self)
        let shared = ConnectionShared()
        let connectionID = UUID()
        defer {
            control.finish()
            self.state.withLock { state in
                if state.link?.id == connectionID { state.link = nil }
            }
        }
        try await outbound.writeTextMessage(SignalRMessage.handshakeRequest)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.write(
                    controls, to: outbound, link: (connectionID, control), shared: shared)
            }
            group.addTask {
                let interval = self.configuration.hubPingInterval
                while true {
                    try await Task.sleep(for: interval / 3)
                    if ContinuousClock.now - shared.lastSent.withLock({ $0 }) >= interval { control.yield(.ping) }
                }
            }
            group.addTask {
                try await self.read(inbound, control: control, shared: shared, frameReceived: frameReceived)
            }
            // The reader ends when the socket ends; the writer when a write fails. Either ends the connection.
            try await group.next()
            group.cancelAll()
        }
    }

    private func write(
        _ controls: AsyncStream<HubControl>, to outbound: WebSocketOutboundWriter,
        link: (id: UUID, control: AsyncStream<HubControl>.Continuation), shared: ConnectionShared
    ) async throws {
        var nextID = 0
        var handshaken = false
        func send(_ message: SignalRMessage) async throws {
            try await outbound.writeTextMessage(message.framed())
            shared.lastSent.withLock { $0 = ContinuousClock.now }
        }
        func invoke(_ target: String, _ symbol: String?) async throws {
            nextID += 1
            let id = String(nextID)
            var arguments: [JSONValue] = [.string(self.configuration.tradePlatform)]
            if let symbol { arguments.append(.string(symbol)) }
            shared.pending.withLock { $0[id] = symbol.map { "\(target) \($0)" } ?? target }
            try await send(.invocation(invocationId: id, target: target, arguments: arguments))
        }
        for await command in controls {
            switch command {
            case .handshakeAccepted:
                handshaken = true
                try await invoke("Connect", nil)
                // Register as the live link and take the wanted symbols in one step, so none is missed.
                let wanted = self.state.withLock { state in
                    state.link = link
                    return state.wanted
                }
                for symbol in wanted.sorted() { try await invoke("SubscribeToTicks", symbol) }
            case .subscribe(let symbols) where handshaken:
                for symbol in symbols.sorted() { try await invoke("SubscribeToTicks", symbol) }
            case .unsubscribe(let symbols) where handshaken:
                for symbol in symbols.sorted() { try await invoke("UnsubscribeFromTicks", symbol) }
            case .ping where handshaken:
                try await send(.ping)
            default:
                continue
            }
        }
    }

    private func read(
        _ inbound: WebSocketInboundStream, control: AsyncStream<HubControl>.Continuation, shared: ConnectionShared,
        frameReceived: @escaping @Sendable () -> Void
    ) async throws {
        var splitter = SignalRRecordSplitter()
        var handshaken = false
        for try await message in inbound.messages(maxSize: 1 << 20) {
            let text: String
            switch message {
            case .text(let string): text = string
            case .binary(let buffer): text = String(buffer: buffer)
            }
            frameReceived()
            let receivedAt = Date()
            for record in splitter.append(text) {
                if !handshaken {
                    switch try SignalRHandshakeResponse(record: record) {
                    case .accepted:
                        handshaken = true
                        control.yield(.handshakeAccepted)
                    case .refused(let reason):
                        throw VenueError(.venueFailure, venue: self.venueID, reason: "hub handshake refused: \(reason)")
                    }
                    continue
                }
                switch try SignalRMessage(record: record) {
                case .invocation(_, let target, let arguments) where target.lowercased() == "ontick":
                    // v1: onTick(tradePlatform, tick); v2: OnTick(tick). The tick is the last argument.
                    if let tick = arguments.last, let quote = Self.quote(tick, receivedAt: receivedAt) { self.deliver(quote) }
                case .completion(let id, let result, let error):
                    let call = shared.pending.withLock { $0.removeValue(forKey: id) } ?? "invocation \(id)"
                    if let error {
                        self.logger.warning("Hub call failed", metadata: ["hub.call": "\(call)", "hub.error": "\(error)"])
                    } else if call == "Connect", result == .bool(false) {
                        self.logger.warning("The trade platform's pump is not connected (Connect answered false)")
                    }
                case .close(let error, _):
                    throw VenueError(.venueFailure, venue: self.venueID, reason: "hub closed the connection: \(error ?? "no reason")")
                default:
                    continue
                }
            }
        }
    }

    /// `{symbol, bid, ask[, time|lastTime]}` with property names in any casing.
    static func quote(_ value: JSONValue, receivedAt: Date) -> VenueQuote? {
        guard case .object(let object) = value else { return nil }
        var fields: [String: JSONValue] = [:]
        for (key, value) in object { fields[key.lowercased()] = value }
        guard case .string(let symbol)? = fields["symbol"], case .number(let bid)? = fields["bid"],
            case .number(let ask)? = fields["ask"], bid > 0, ask > 0
        else { return nil }
        var venueTime: Date?
        if case .string(let text)? = fields["time"] ?? fields["lasttime"] { venueTime = try? Timestamp(rfc3339String: text).date }
        return VenueQuote(symbol: symbol, bid: bid, ask: ask, last: nil, venueTime: venueTime, receivedAt: receivedAt)
    }

    // MARK: - Negotiate

    private struct HubTarget {
        var webSocketURL: String
    }

    /// `POST {hub}/negotiate?negotiateVersion=1` (when configured) and the WebSocket URL it leads to.
    private func negotiate(token: VenueToken) async throws -> HubTarget {
        var hubURL = CPluginConfiguration.join(self.configuration.endpoint, self.configuration.hubPath)
        var accessToken = token.value.value
        var connectionID: String?
        if self.configuration.negotiate {
            // A negotiate answer may redirect once to another URL with its own token (sr-transport).
            for _ in 0..<2 {
                let answer = try await self.negotiateOnce(hubURL: hubURL, accessToken: accessToken)
                if let error = answer.error {
                    throw VenueError(.venueFailure, venue: self.venueID, reason: "negotiate failed: \(error)")
                }
                if let url = answer.url {
                    hubURL = url
                    if let redirected = answer.accessToken { accessToken = redirected }
                    continue
                }
                guard answer.availableTransports?.contains(where: { $0.transport == "WebSockets" }) ?? true else {
                    throw VenueError(.unsupported, venue: self.venueID, reason: "the hub offers no WebSockets transport")
                }
                connectionID = (answer.negotiateVersion ?? 0) >= 1 ? answer.connectionToken : answer.connectionId
                break
            }
        }
        guard var components = URLComponents(string: hubURL) else {
            throw VenueError(.invalidRequest, venue: self.venueID, reason: "invalid hub URL")
        }
        components.scheme = components.scheme == "https" ? "wss" : "ws"
        var items = components.queryItems ?? []
        if let connectionID { items.append(URLQueryItem(name: "id", value: connectionID)) }
        items.append(URLQueryItem(name: "access_token", value: accessToken))
        components.percentEncodedQuery = items.map { item in
            "\(FormEncoding.escape(item.name))=\(FormEncoding.escape(item.value ?? "").replacingOccurrences(of: "+", with: "%20"))"
        }.joined(separator: "&")
        guard let url = components.string else {
            throw VenueError(.invalidRequest, venue: self.venueID, reason: "invalid hub URL")
        }
        return HubTarget(webSocketURL: url)
    }

    private struct NegotiateAnswer: Decodable {
        struct Transport: Decodable { var transport: String }
        var connectionId: String?
        var connectionToken: String?
        var negotiateVersion: Int?
        var availableTransports: [Transport]?
        var url: String?
        var accessToken: String?
        var error: String?
    }

    private func negotiateOnce(hubURL: String, accessToken: String) async throws -> NegotiateAnswer {
        guard var components = URLComponents(string: hubURL) else {
            throw VenueError(.invalidRequest, venue: self.venueID, reason: "invalid hub URL")
        }
        components.path += "/negotiate"
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "negotiateVersion", value: "1")]
        guard let url = components.string else {
            throw VenueError(.invalidRequest, venue: self.venueID, reason: "invalid hub URL")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "Content-Length", value: "0")
        let response: VenueHTTPResponse
        do {
            response = try await self.http.execute(request, timeout: self.configuration.requestTimeout)
        } catch {
            throw VenueError(.unreachable, venue: self.venueID, reason: "negotiate: \(error.reason)")
        }
        if response.status == 401 || response.status == 403 {
            throw VenueError(.unauthorized, venue: self.venueID, reason: "negotiate: HTTP \(response.status)")
        }
        guard response.status == 200,
            let answer = try? JSONDecoder().decode(NegotiateAnswer.self, from: Data(response.body.utf8))
        else {
            throw VenueError(.venueFailure, venue: self.venueID, reason: "negotiate: HTTP \(response.status)")
        }
        return answer
    }
}

/// What the reader, writer and pinger of one hub connection share.
private final class ConnectionShared: Sendable {
    /// When the client last sent a message (pings go out only after a quiet interval).
    let lastSent = Mutex(ContinuousClock.now)
    /// Invocations awaiting their completion: id → what was called.
    let pending = Mutex<[String: String]>([:])
}
