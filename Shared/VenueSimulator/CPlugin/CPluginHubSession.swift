import Foundation
import HummingbirdWebSocket
import Messages
import SignalRProtocol
import Synchronization

/// The state of one hub connection, owned by its connection loop.
struct CPluginHubSession: Sendable {
    let connectionID: String
    let keepAliveInterval: Duration
    let clientTimeout: Duration
    let handshakeTimeout: Duration
    let connectedAt = ContinuousClock.now
    var isHandshakeDone = false
    var lastReceived = ContinuousClock.now
    var lastSent = ContinuousClock.now
    /// When the `onTick` pushes are due.
    var ticks: RecurringDeadline
    var splitter = SignalRRecordSplitter()
    /// UTF-8 bytes of the incomplete record the splitter holds.
    var partialBytes = 0
    /// Subscribed symbols, in subscription order.
    var subscriptions: [String] = []

    init(connectionID: String, configuration: CPluginSimulatorConfiguration, tickInterval: Duration) {
        self.connectionID = connectionID
        self.keepAliveInterval = configuration.keepAliveInterval
        self.clientTimeout = configuration.clientTimeout
        self.handshakeTimeout = configuration.handshakeTimeout
        self.ticks = RecurringDeadline(every: tickInterval)
    }

    /// How often the timer fires: often enough for the tick interval and a tenth of the shortest timeout
    /// (at least every 100 ms, at most every 5 ms unless the tick interval is shorter).
    var timerPeriod: Duration {
        WebSocketConnectionLoop.timerPeriod(
            tickInterval: self.ticks.interval,
            shortestTimeout: min(self.keepAliveInterval, self.clientTimeout, self.handshakeTimeout),
            floor: .milliseconds(5))
    }
}

extension CPluginSimulator {
    /// ASP.NET Core's text when the client's handshake does not arrive in time.
    static let handshakeCanceled = "Handshake was canceled."
    /// The close message's error after `clientTimeout` of silence.
    static let clientTimeoutError = "Server timeout elapsed without receiving a message from the client."

    /// Handles one event; `false` ends the connection (the caller returns, which sends the close frame).
    ///
    /// - Handshake: the first record must be `{"protocol":"json","version":N}` with N in 0...2 (JSON hub protocol
    ///   versions ASP.NET Core accepts), answered `{}`; another protocol, version or unreadable JSON is answered
    ///   `{"error":…}` in ASP.NET Core's words (with its detailed-errors text), then the connection closes. No
    ///   handshake within `handshakeTimeout`: `{"error":"Handshake was canceled."}` and close.
    /// - After the handshake: invocations are dispatched (see ``invoke(_:arguments:session:)``) and answered with a
    ///   completion when they carry an `invocationId`; stream invocations get a completion error; pings, cancel
    ///   invocations and client completions are read and ignored; a close message closes the connection; an
    ///   unreadable record closes it with `{"type":7,"error":"Connection closed with an error. …"}`.
    /// - Timer: due `onTick` pushes for every subscribed symbol, a ping when nothing was sent for
    ///   `keepAliveInterval`, and after `clientTimeout` without any message from the client a close message
    ///   `{"type":7,"error":"Server timeout elapsed without receiving a message from the client.",
    ///   "allowReconnect":true}`.
    /// - Graceful shutdown: `{"type":7,"allowReconnect":true}` (ASP.NET Core lets clients reconnect to a stopping
    ///   server), then close.
    func handle(
        _ event: WebSocketConnectionEvent<Never>, session: inout CPluginHubSession, outbound: WebSocketOutboundWriter
    ) async -> Bool {
        switch event {
        case .inboundEnded:
            return false
        case .shutdown:
            if session.isHandshakeDone {
                let close = SignalRMessage.close(error: nil, allowReconnect: true)
                _ = await self.send(close.framed(), session: &session, outbound)
            }
            return false
        case .timer:
            return await self.onTimer(session: &session, outbound: outbound)
        case .message(let text):
            session.lastReceived = .now
            let records = session.splitter.append(text)
            for record in records {
                guard await self.handleRecord(record, session: &session, outbound: outbound) else { return false }
            }
            if let end = text.utf8.lastIndex(of: 0x1E) {
                session.partialBytes = text.utf8.distance(from: end, to: text.utf8.endIndex) - 1
            } else {
                session.partialBytes += text.utf8.count
            }
            if session.partialBytes > Self.maxHubMessageSize {
                let close = SignalRMessage.close(error: "Connection closed with an error. InvalidDataException: "
                    + "The maximum message size of \(Self.maxHubMessageSize)B was exceeded.", allowReconnect: nil)
                _ = await self.send(close.framed(), session: &session, outbound)
                return false
            }
            return true
        }
    }

    private func handleRecord(
        _ record: String, session: inout CPluginHubSession, outbound: WebSocketOutboundWriter
    ) async -> Bool {
        guard session.isHandshakeDone else {
            let response = Self.handshakeResponse(record)
            guard await self.send(response.framed, session: &session, outbound), response == .accepted else {
                return false
            }
            session.isHandshakeDone = true
            session.lastReceived = .now
            return true
        }
        let message: SignalRMessage
        do throws(SignalRProtocolError) {
            message = try SignalRMessage(record: record)
        } catch {
            let close = SignalRMessage.close(
                error: "Connection closed with an error. InvalidDataException: \(error.reason)", allowReconnect: nil)
            _ = await self.send(close.framed(), session: &session, outbound)
            return false
        }
        switch message {
        case .invocation(let invocationID, let target, let arguments):
            self.hubCalls.withLock { $0[target, default: 0] += 1 }
            let outcome = self.invoke(target, arguments: arguments, session: &session)
            if let invocationID {
                let completion: SignalRMessage
                switch outcome {
                case .success(let result):
                    completion = .completion(invocationId: invocationID, result: result, error: nil)
                case .failure(let error):
                    completion = .completion(invocationId: invocationID, result: nil, error: error.message)
                }
                guard await self.send(completion.framed(), session: &session, outbound) else { return false }
            }
            if case .success = outcome, target == "SubscribeToTicks", let symbol = session.subscriptions.last {
                // The first tick right after the completion, then one per tick interval.
                guard await self.pushTick(symbol, session: &session, outbound) else { return false }
            }
            return true
        case .streamInvocation(let invocationID, let target, _):
            let error = Self.hubMethods[target] == nil
                ? "Unknown hub method '\(target)'"
                : "The client attempted to invoke the non-streaming '\(target)' method with a streaming invocation."
            let completion = SignalRMessage.completion(invocationId: invocationID, result: nil, error: error)
            return await self.send(completion.framed(), session: &session, outbound)
        case .close:
            return false
        case .ping, .cancelInvocation, .completion, .streamItem, .other:
            return true
        }
    }

    private func onTimer(session: inout CPluginHubSession, outbound: WebSocketOutboundWriter) async -> Bool {
        let now = ContinuousClock.now
        guard session.isHandshakeDone else {
            guard now - session.connectedAt >= session.handshakeTimeout else { return true }
            let refusal = SignalRHandshakeResponse.refused(Self.handshakeCanceled)
            _ = await self.send(refusal.framed, session: &session, outbound)
            return false
        }
        if now - session.lastReceived >= session.clientTimeout {
            let close = SignalRMessage.close(error: Self.clientTimeoutError, allowReconnect: true)
            _ = await self.send(close.framed(), session: &session, outbound)
            return false
        }
        if session.ticks.isDue(at: now) {
            for symbol in session.subscriptions {
                guard await self.pushTick(symbol, session: &session, outbound) else { return false }
            }
        }
        if now - session.lastSent >= session.keepAliveInterval {
            return await self.send(SignalRMessage.ping.framed(), session: &session, outbound)
        }
        return true
    }

    /// `{"type":1,"target":"onTick","arguments":["<tradePlatform>",{"symbol","bid","ask"}]}` with the current quote.
    private func pushTick(
        _ symbol: String, session: inout CPluginHubSession, _ outbound: WebSocketOutboundWriter
    ) async -> Bool {
        guard let quote = self.market.quote(symbol) else { return true }
        let tick = JSONValue.object(["symbol": .string(symbol), "bid": .number(quote.bid), "ask": .number(quote.ask)])
        let event = SignalRMessage.invocation(
            invocationId: nil, target: "onTick",
            arguments: [.string(self.configuration.canonicalTradePlatform), tick])
        return await self.send(event.framed(), session: &session, outbound)
    }

    /// Writes one framed record; `false` when the socket is gone.
    private func send(
        _ text: String, session: inout CPluginHubSession, _ outbound: WebSocketOutboundWriter
    ) async -> Bool {
        do {
            try await outbound.write(.text(text))
            session.lastSent = .now
            return true
        } catch {
            return false
        }
    }

    /// The answer to the client's handshake record.
    static func handshakeResponse(_ record: String) -> SignalRHandshakeResponse {
        let prefix = "An unexpected error occurred during connection handshake. InvalidDataException: "
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(record.utf8)),
            case .object(let object) = value
        else { return .refused(prefix + "The handshake request is not a JSON object.") }
        guard case .string(let name)? = object["protocol"] else {
            return .refused(prefix + "Missing required property 'protocol'. Message content: \(record)")
        }
        guard case .number(let number)? = object["version"], number.rounded(scale: 0) == number,
            let version = Int(number.description)
        else {
            return .refused(prefix + "Missing required property 'version'. Message content: \(record)")
        }
        guard name == "json" else { return .refused("The protocol '\(name)' is not supported.") }
        guard (0...2).contains(version) else {
            return .refused("The server does not support version \(version) of the '\(name)' protocol.")
        }
        return .accepted
    }
}
