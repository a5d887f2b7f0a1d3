import Foundation
import Logging
import Messages
import Synchronization
import VenueKit

/// Why a call produced no usable answer.
enum DerivCallFailure: Error, Sendable {
    /// The request provably never left: no connection, cancelled before sending, or refused locally.
    case notSent(String)
    /// The request was written, and no answer came (deadline, connection lost): it may have been executed.
    case noAnswer(String)
    /// The venue answered with its error envelope (or we refused before sending for the same reason, such as a
    /// missing scope).
    case refused(DerivAPIError)

    init(_ failure: VenueSocketFailure) {
        switch failure {
        case .notSent(let why): self = .notSent(why)
        case .noAnswer(let why): self = .noAnswer(why)
        }
    }
}

/// What `authorize` said about the account.
struct DerivAuthorization: Sendable, Hashable {
    var loginID: String
    var currency: String
    var scopes: Set<String>
}

/// One venue session (protocols.md §4): a single WebSocket to `/websockets/v3?app_id=…` (a ``VenueSocketSession``
/// correlated by `req_id`, pinging when idle), shared by the orders and the quote streams of one client.
///
/// - Calls that need an account `authorize` the connection first with the token from the token source; a session
///   that was authorized re-authorizes on every new connection before any call uses it, then resubscribes its tick
///   streams. A call refused with `InvalidToken` or `AuthorizationRequired` (the venue did nothing) asks the token
///   source for a new token, authorizes again and is sent once more.
/// - Tick streams are routed by the tick's symbol; `forget` ends the stream of a symbol nobody wants any more.
/// - Call budgets per group (protocols.md §4.4) are sliding windows, so the venue's limiter never refuses us.
final class DerivSession: Sendable {
    /// The venue's call groups, each with its own budget; `ping` counts against none.
    enum Group: Sendable { case trade, balance, portfolio, general, unmetered }

    /// The scope a call needs.
    enum Scope: Sendable {
        /// `trade` (buy, sell, cancel).
        case trade
        /// `read` or `trading_information` (portfolio, balance, proposal_open_contract).
        case read

        func isSatisfied(by scopes: Set<String>) -> Bool {
            switch self {
            case .trade: scopes.contains("trade")
            case .read: !scopes.isDisjoint(with: ["read", "trading_information"])
            }
        }
        var name: String {
            switch self {
            case .trade: "trade"
            case .read: "read or trading_information"
            }
        }
    }

    typealias Link = VenueSocketSession<DerivFrame>.Link

    private struct State {
        /// The connection the current authorization belongs to, and what it said.
        var authorizedLink: UUID?
        var authorization: DerivAuthorization?
        /// The token used by the last successful authorize.
        var token: VenueToken?
        /// Tick stream ids by symbol, on the current connection.
        var streams: [String: String] = [:]
        /// Symbols subscribed (or being subscribed) on the connection `subscribedOn`.
        var subscribed: Set<String> = []
        var subscribedOn: UUID?
    }

    private let configuration: DerivConfiguration
    private let tokens: any VenueTokenSource
    private let logger: Logger
    private let socket: VenueSocketSession<DerivFrame>
    private let state = Mutex(State())
    private let quotes = VenueQuoteFanout()
    private let authorizeGate = AsyncSerialGate()
    private let budgets: [Group: VenueCallBudget]

    init(configuration: DerivConfiguration, tokens: any VenueTokenSource, venueID: String, logger: Logger) {
        self.configuration = configuration
        self.tokens = tokens
        self.logger = logger
        let minute = Duration.seconds(60)
        self.budgets = [
            .trade: VenueCallBudget(limit: configuration.tradeCallsPerMinute, window: minute),
            .balance: VenueCallBudget(limit: configuration.balanceCallsPerMinute, window: minute),
            .portfolio: VenueCallBudget(limit: configuration.portfolioCallsPerMinute, window: minute),
            .general: VenueCallBudget(limit: configuration.generalCallsPerMinute, window: minute),
        ]
        self.socket = VenueSocketSession(
            url: configuration.webSocketURL, heartbeatInterval: configuration.pingInterval,
            silenceTimeout: configuration.silenceTimeout, heartbeat: #"{"ping":1}"#,
            decode: { text in try DerivFrame(text: text) }, correlation: { $0.reqID }, logger: logger)
        self.socket.start(VenueSocketSession.Hooks(
            setUp: { [weak self] link in
                guard let self else { throw CancellationError() }
                await self.setUp(link)
            },
            onReady: { [weak self] link in self?.resubscribe(link) },
            onFrame: { [weak self] frame in self?.route(frame) },
            onUp: { [weak self] in self?.quotes.broadcast { .connected(symbol: $0) } },
            onDown: { [weak self] reason in self?.quotes.broadcast { .disconnected(symbol: $0, reason: reason) } }))
    }

    /// The connection ends with the session's last owner.
    deinit {
        self.socket.shutdown()
    }

    // MARK: - Calls

    /// Sends `request` (without `req_id`; it is added) and returns the venue's answer.
    ///
    /// - Parameters:
    ///   - scope: the token scope the call needs (the connection is authorized first); `nil` for public calls.
    /// - Throws: ``DerivCallFailure``: `refused` carries the venue's error envelope.
    func call(
        _ request: [String: JSONValue], group: Group, scope: Scope?, timeout: Duration? = nil
    ) async throws(DerivCallFailure) -> DerivFrame {
        let timeout = timeout ?? self.configuration.requestTimeout
        if let budget = self.budgets[group] {
            do {
                try await budget.acquire()
            } catch {
                throw .notSent("cancelled while waiting for the call budget")
            }
        }
        var renewed = false
        while true {
            let link = try await self.readyLink(within: timeout)
            if let scope {
                let authorization = try await self.authorize(link, timeout: timeout)
                guard scope.isSatisfied(by: authorization.scopes) else {
                    throw .refused(DerivAPIError(
                        code: "PermissionDenied", message: "the API token lacks the \(scope.name) scope", details: nil))
                }
            }
            let frame = try await self.exchange(request, on: link, timeout: timeout)
            if let error = frame.error, scope != nil, !renewed,
                error.code == "InvalidToken" || error.code == "AuthorizationRequired"
            {
                // Refused before anything happened: authorize again (with a new token if this one is refused) and
                // send once more.
                renewed = true
                let stale = self.state.withLock { state -> VenueToken? in
                    if state.authorizedLink == link.id { state.authorizedLink = nil }
                    return error.code == "InvalidToken" ? state.token : nil
                }
                if let stale {
                    do {
                        _ = try await self.tokens.tokenRejected(stale)
                    } catch {
                        throw .refused(DerivAPIError(code: "InvalidToken", message: error.reason, details: nil))
                    }
                }
                continue
            }
            if let error = frame.error { throw .refused(error) }
            return frame
        }
    }

    /// The account as the last `authorize` described it (authorizing now if needed).
    func authorization() async throws(DerivCallFailure) -> DerivAuthorization {
        let link = try await self.readyLink(within: self.configuration.requestTimeout)
        return try await self.authorize(link, timeout: self.configuration.requestTimeout)
    }

    /// Authorizes `link` unless it already is. Single-flight; one retry with a new token after `InvalidToken`.
    private func authorize(_ link: Link, timeout: Duration) async throws(DerivCallFailure) -> DerivAuthorization {
        let result = await self.authorizeGate.run { () async -> Result<DerivAuthorization, DerivCallFailure> in
            let current = self.state.withLock { state in state.authorizedLink == link.id ? state.authorization : nil }
            if let current { return .success(current) }
            do throws(DerivCallFailure) {
                return .success(try await self.authorizeNow(link, timeout: timeout))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func authorizeNow(_ link: Link, timeout: Duration) async throws(DerivCallFailure) -> DerivAuthorization {
        var token: VenueToken
        do {
            token = try await self.tokens.currentToken()
        } catch {
            throw .refused(DerivAPIError(code: "InvalidToken", message: error.reason, details: nil))
        }
        for attempt in 0..<2 {
            let value = token.value.value
            guard value.range(of: #"^[\w\-]{1,128}$"#, options: .regularExpression) != nil else {
                throw .refused(DerivAPIError(code: "InvalidToken", message: "the API token has an invalid format", details: nil))
            }
            let frame = try await self.exchange(["authorize": .string(value)], on: link, timeout: timeout)
            if let error = frame.error {
                guard error.code == "InvalidToken", attempt == 0 else { throw .refused(error) }
                do {
                    token = try await self.tokens.tokenRejected(token)
                } catch {
                    throw .refused(DerivAPIError(code: "InvalidToken", message: error.reason, details: nil))
                }
                continue
            }
            guard let payload = frame.payload, let loginID = payload[member: "loginid"]?.stringValue else {
                throw .noAnswer("authorize answered without a loginid")
            }
            var scopes: Set<String> = []
            if case .array(let items)? = payload[member: "scopes"] { scopes = Set(items.compactMap(\.stringValue)) }
            let authorization = DerivAuthorization(
                loginID: loginID, currency: payload[member: "currency"]?.stringValue ?? "", scopes: scopes)
            self.state.withLock { state in
                state.authorizedLink = link.id
                state.authorization = authorization
                state.token = token
            }
            if authorization.currency != self.configuration.currency {
                self.logger.warning(
                    "The account currency differs from the configured one",
                    metadata: ["deriv.currency": "\(authorization.currency)", "deriv.configured": "\(self.configuration.currency)"])
            }
            return authorization
        }
        throw .refused(DerivAPIError(code: "InvalidToken", message: "the venue refused the API token", details: nil))
    }

    /// Writes `request` with a new `req_id` on `link` and waits for the answer carrying it.
    private func exchange(
        _ request: [String: JSONValue], on link: Link, timeout: Duration
    ) async throws(DerivCallFailure) -> DerivFrame {
        do {
            return try await self.socket.exchange(on: link, timeout: timeout) { requestID in
                var request = request
                request["req_id"] = .number(Decimal(requestID))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                return String(decoding: try encoder.encode(JSONValue.object(request)), as: UTF8.self)
            }
        } catch {
            throw DerivCallFailure(error)
        }
    }

    private func readyLink(within timeout: Duration) async throws(DerivCallFailure) -> Link {
        do {
            return try await self.socket.readyLink(within: timeout)
        } catch {
            throw DerivCallFailure(error)
        }
    }

    // MARK: - Ticks

    /// Quotes and stream state of `symbols` until the stream is terminated.
    func events(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: VenueMarketEvent.self)
        // Registered before the link is read: a connection becoming usable meanwhile subscribes it (onReady).
        let (id, added) = self.quotes.add(symbols, to: continuation)
        let link = self.socket.currentLink
        let isUp = self.socket.isUp
        continuation.onTermination = { _ in self.leave(id) }
        if link == nil { Task { _ = try? await self.socket.readyLink(within: self.configuration.requestTimeout) } }
        if let link, !added.isEmpty {
            Task { for symbol in added.sorted() { await self.subscribe(symbol, on: link) } }
        }
        if isUp { for symbol in symbols.sorted() { continuation.yield(.connected(symbol: symbol)) } }
        return stream
    }

    private func leave(_ id: UUID) {
        let link = self.socket.currentLink
        let removed = self.quotes.remove(id)
        let dropped = self.state.withLock { state -> [(String, String)] in
            state.subscribed.subtract(removed)
            return removed.compactMap { symbol in state.streams.removeValue(forKey: symbol).map { (symbol, $0) } }
        }
        guard let link, !dropped.isEmpty else { return }
        Task {
            for (symbol, streamID) in dropped {
                do {
                    try await self.budgets[.general]?.acquire()
                    _ = try await self.exchange(["forget": .string(streamID)], on: link, timeout: self.configuration.requestTimeout)
                } catch {
                    self.logger.info("forget failed", metadata: ["deriv.symbol": "\(symbol)", "error": "\(error)"])
                }
            }
        }
    }

    /// `{"ticks": symbol, "subscribe": 1}` on `link`; remembers the stream id for `forget`.
    private func subscribe(_ symbol: String, on link: Link) async {
        // Once per symbol and connection, however many paths ask for it.
        let claimed = self.state.withLock { state -> Bool in
            if state.subscribedOn != link.id {
                state.subscribedOn = link.id
                state.subscribed = []
            }
            return state.subscribed.insert(symbol).inserted
        }
        guard claimed else { return }
        do {
            try await self.budgets[.general]?.acquire()
            let frame = try await self.exchange(
                ["ticks": .string(symbol), "subscribe": .number(1)], on: link, timeout: self.configuration.requestTimeout)
            if let error = frame.error, error.code != "AlreadySubscribed" {
                self.logger.warning(
                    "The venue refused a tick subscription",
                    metadata: ["deriv.symbol": "\(symbol)", "deriv.error": "\(error.code)"])
                self.release(symbol, on: link)
                self.quotes.broadcast(to: symbol) { .disconnected(symbol: $0, reason: "subscription refused: \(error.code)") }
                return
            }
            if let streamID = frame.subscriptionID {
                let wanted = self.quotes.wanted.contains(symbol)
                let stillWanted = self.state.withLock { state -> Bool in
                    guard wanted else {
                        state.subscribed.remove(symbol)
                        return false
                    }
                    state.streams[symbol] = streamID
                    return true
                }
                if !stillWanted {
                    _ = try? await self.exchange(["forget": .string(streamID)], on: link, timeout: self.configuration.requestTimeout)
                }
            }
        } catch {
            self.release(symbol, on: link)
            self.logger.info("Tick subscription failed", metadata: ["deriv.symbol": "\(symbol)", "error": "\(error)"])
        }
    }

    /// A subscription that did not happen may be tried again (by the next subscriber or connection).
    private func release(_ symbol: String, on link: Link) {
        self.state.withLock { state in
            if state.subscribedOn == link.id { state.subscribed.remove(symbol) }
        }
    }

    /// `tick: {symbol, quote, bid?, ask?, epoch}`; without bid and ask the quote is both.
    static func quote(_ tick: JSONValue, receivedAt: Date) -> VenueQuote? {
        guard let symbol = tick[member: "symbol"]?.stringValue, let quote = tick[member: "quote"]?.decimalValue, quote > 0 else {
            return nil
        }
        let bid = tick[member: "bid"]?.decimalValue ?? quote
        let ask = tick[member: "ask"]?.decimalValue ?? quote
        let venueTime = tick[member: "epoch"]?.integerValue.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        return VenueQuote(symbol: symbol, bid: bid, ask: ask, last: quote, venueTime: venueTime, receivedAt: receivedAt)
    }

    // MARK: - Connection

    /// Closes the connection for good: pending calls fail, streams finish.
    func shutdown() {
        self.socket.shutdown()
        self.quotes.finishAll()
    }

    /// A new connection: re-authorize (when the session was authorized before), then — once calls may use it —
    /// subscribe every wanted symbol.
    private func setUp(_ link: Link) async {
        let wasAuthorized = self.state.withLock { state in
            state.streams = [:]
            return state.authorization != nil
        }
        if wasAuthorized {
            do {
                _ = try await self.authorize(link, timeout: self.configuration.requestTimeout)
            } catch {
                self.logger.warning("Re-authorization after reconnecting failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Subscribes every wanted symbol on a connection that just became usable.
    private func resubscribe(_ link: Link) {
        let wanted = self.quotes.wanted
        guard !wanted.isEmpty else { return }
        Task { for symbol in wanted.sorted() { await self.subscribe(symbol, on: link) } }
    }

    private func route(_ frame: DerivFrame) {
        if frame.msgType == "tick", frame.error == nil, let tick = frame.payload,
            let quote = Self.quote(tick, receivedAt: Date())
        {
            self.quotes.deliver(quote)
        }
    }
}
