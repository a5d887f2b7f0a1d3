import Foundation
import Logging
import Messages
import Synchronization
import VenueKit

/// Why a request produced no usable answer.
enum CTraderCallFailure: Error, Sendable, CustomStringConvertible {
    /// The request provably never left.
    case notSent(String)
    /// Written, but no answer came: the venue may have acted on it.
    case noAnswer(String)
    /// The venue refused (an error frame, or a rejected execution).
    case refused(CTraderRefusal)

    init(_ failure: VenueSocketFailure) {
        switch failure {
        case .notSent(let why): self = .notSent(why)
        case .noAnswer(let why): self = .noAnswer(why)
        }
    }

    var description: String {
        switch self {
        case .notSent(let why): "not sent: \(why)"
        case .noAnswer(let why): "no answer: \(why)"
        case .refused(let refusal): "refused: \(refusal.errorCode)"
        }
    }
}

/// A symbol's trading metadata (2115 names and ids, 2117 digits and volumes in cents of units).
struct CTraderSymbol: Sendable, Hashable {
    var id: Int64
    var name: String
    var digits: Int
    var minVolume: Int64?
    var maxVolume: Int64?
    var stepVolume: Int64?
}

/// One cTrader session (protocols.md §5): a single JSON WebSocket (a ``VenueSocketSession`` correlated by
/// `clientMsgId`, with a heartbeat whenever nothing was sent for ``CTraderConfiguration/heartbeatInterval``), shared
/// by the orders and the spot streams of one client.
///
/// Every new connection authenticates the application (2100/2101) and then the account (2102/2103) before any call
/// may use it, loads the symbol ids and metadata once (2114/2116) and the account's `moneyDigits` (2121), then
/// resubscribes spots. A request refused because the account's authorization is gone (`CH_ACCESS_TOKEN_INVALID`,
/// `ACCOUNT_NOT_AUTHORIZED`, …) — the venue did nothing — authenticates the account again, with a newer token when
/// the old one was refused, and is sent once more. 2147 (tokens invalidated, e.g. the broker refreshed) and 2164
/// (account disconnected) re-authenticate the account; 2148 reopens the connection. This session never refreshes a
/// token: it asks its token source, which in the services waits for the auth-token-broker's next grant.
final class CTraderSession: Sendable {
    typealias Link = VenueSocketSession<CTraderFrame>.Link

    private struct State {
        /// The connection whose account is authenticated, and with which token.
        var authenticatedLink: UUID?
        var token: VenueToken?
        var symbols: [String: CTraderSymbol] = [:]
        var moneyDigits: Int?
        var subscribed: Set<Int64> = []
        var subscribedOn: UUID?
        /// The last bid and ask of each symbol (a spot may carry only one side).
        var lastSpot: [Int64: (bid: Decimal?, ask: Decimal?)] = [:]
        /// Why the last connection could not be set up.
        var setUpFailure: CTraderCallFailure?

        func symbol(id: Int64) -> CTraderSymbol? { self.symbols.values.first { $0.id == id } }
    }

    let configuration: CTraderConfiguration
    private let tokens: any VenueTokenSource
    private let authenticatesAccount: Bool
    private let logger: Logger
    private let socket: VenueSocketSession<CTraderFrame>
    private let state = Mutex(State())
    private let quotes = VenueQuoteFanout()
    private let authGate = AsyncSerialGate()
    private let budget: VenueCallBudget

    /// - Parameter authenticatesAccount: `false` for an application-only session (the broker's token refresh).
    init(configuration: CTraderConfiguration, tokens: any VenueTokenSource, authenticatesAccount: Bool = true, logger: Logger) {
        self.configuration = configuration
        self.tokens = tokens
        self.authenticatesAccount = authenticatesAccount
        self.logger = logger
        self.budget = VenueCallBudget(limit: configuration.requestsPerSecond, window: .seconds(1))
        self.socket = VenueSocketSession(
            url: configuration.endpoint.absoluteString, heartbeatInterval: configuration.heartbeatInterval,
            silenceTimeout: configuration.silenceTimeout, heartbeat: CTraderFrame.heartbeat,
            decode: { text in try CTraderFrame(text: text) }, correlation: { $0.requestID }, logger: logger)
        self.socket.start(VenueSocketSession.Hooks(
            setUp: { [weak self] link in
                guard let self else { throw CancellationError() }
                try await self.setUp(link)
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

    /// Sends a request of the account and returns its answer: the first frame carrying its `clientMsgId` that
    /// `accept` takes. An answer that says the account is no longer authorized re-authenticates and sends again
    /// (once). Error frames and rejected executions throw `refused`.
    func call(
        _ payloadType: Int, _ payload: [String: JSONValue], timeout: Duration? = nil,
        accept: @escaping @Sendable (CTraderFrame) -> Bool = { _ in true }
    ) async throws(CTraderCallFailure) -> CTraderFrame {
        let timeout = timeout ?? self.configuration.requestTimeout
        var renewed = false
        while true {
            let link = try await self.readyLink(within: timeout)
            let frame = try await self.exchange(payloadType, payload, on: link, timeout: timeout, accept: accept)
            if let refusal = frame.refusal {
                if refusal.needsReauthentication, !renewed {
                    renewed = true
                    // A refused token is replaced; an account that merely lost its authorization keeps it.
                    let tokenRefused = refusal.errorCode == "CH_ACCESS_TOKEN_INVALID" || refusal.errorCode == "OA_AUTH_TOKEN_EXPIRED"
                    try await self.reauthenticate(link, rejecting: tokenRefused ? self.state.withLock { $0.token } : nil)
                    continue
                }
                throw .refused(refusal)
            }
            return frame
        }
    }

    /// The connection calls may use. When none comes, a refused set-up (credentials) is the better answer than "no
    /// connection".
    private func readyLink(within timeout: Duration) async throws(CTraderCallFailure) -> Link {
        do {
            return try await self.socket.readyLink(within: timeout)
        } catch {
            switch self.state.withLock({ $0.setUpFailure }) {
            case .refused(let refusal)?: throw .refused(refusal)
            case let other?: throw .notSent("\(error); the last connection attempt failed: \(other)")
            case nil: throw CTraderCallFailure(error)
            }
        }
    }

    /// The account's `moneyDigits` (2121), once known.
    var moneyDigits: Int? { self.state.withLock { $0.moneyDigits } }

    /// The metadata of a configured symbol, once loaded (waits for the connection).
    func symbol(_ name: String) async throws(CTraderCallFailure) -> CTraderSymbol? {
        _ = try await self.readyLink(within: self.configuration.requestTimeout)
        return self.state.withLock { $0.symbols[name] }
    }

    /// The name of a symbol id.
    func symbolName(_ id: Int64) -> String? { self.state.withLock { $0.symbol(id: id)?.name } }

    /// The last bid and ask of a symbol, subscribing its spots until one arrives (up to the request deadline).
    func currentQuote(_ name: String) async -> VenueQuote? {
        let stream = self.events(for: [name])
        let reader = Task { () -> VenueQuote? in
            for try await event in stream { if case .quote(let quote) = event { return quote } }
            return nil
        }
        let deadline = Task {
            try await Task.sleep(for: self.configuration.requestTimeout)
            reader.cancel()
        }
        defer { deadline.cancel() }
        return try? await reader.value
    }

    private func exchange(
        _ payloadType: Int, _ payload: [String: JSONValue], on link: Link, timeout: Duration,
        accept: @escaping @Sendable (CTraderFrame) -> Bool = { _ in true }
    ) async throws(CTraderCallFailure) -> CTraderFrame {
        do {
            try await self.budget.acquire()
        } catch {
            throw .notSent("cancelled while waiting for the request budget")
        }
        do {
            return try await self.socket.exchange(on: link, timeout: timeout, accept: accept) { id in
                try CTraderFrame.encode(requestID: id, payloadType: payloadType, payload: payload)
            }
        } catch {
            throw CTraderCallFailure(error)
        }
    }

    /// The account payload field.
    private var account: [String: JSONValue] { ["ctidTraderAccountId": .number(Decimal(self.configuration.accountID))] }

    // MARK: - Authentication

    /// A new connection: application auth, account auth, metadata. Throwing closes the connection (the supervisor
    /// reopens it with backoff).
    private func setUp(_ link: Link) async throws {
        do {
            let token = try await self.currentToken()
            guard let credentials = CTraderCredentials.split(token) else {
                throw CTraderCallFailure.notSent("the session material is not a cTrader credential set")
            }
            let app = try await self.exchange(
                CTraderPayload.applicationAuthReq,
                ["clientId": .string(credentials.clientID), "clientSecret": .string(credentials.clientSecret)],
                on: link, timeout: self.configuration.requestTimeout)
            if let refusal = app.refusal { throw CTraderCallFailure.refused(refusal) }
            if self.authenticatesAccount {
                try await self.authenticateAccount(link, token: token)
                try await self.loadMetadata(link)
            } else {
                self.state.withLock { $0.token = token }
            }
            self.state.withLock { $0.setUpFailure = nil }
        } catch {
            let failure = error as? CTraderCallFailure ?? .notSent("\(error)")
            self.state.withLock { $0.setUpFailure = failure }
            self.logger.warning("cTrader session set-up failed", metadata: ["error": "\(failure)"])
            if case .refused = failure { self.socket.failWaiting(.notSent("the venue refused the session's credentials")) }
            throw error
        }
    }

    private func currentToken() async throws(CTraderCallFailure) -> VenueToken {
        do {
            return try await self.tokens.currentToken()
        } catch {
            throw .refused(CTraderRefusal(payloadType: 0, errorCode: "CH_ACCESS_TOKEN_INVALID", description: error.reason))
        }
    }

    /// 2102 with `token`; a refused token is replaced once (the token source waits for the broker's next grant).
    private func authenticateAccount(_ link: Link, token: VenueToken) async throws(CTraderCallFailure) {
        var token = token
        for attempt in 0..<2 {
            guard let credentials = CTraderCredentials.split(token) else {
                throw .notSent("the session material is not a cTrader credential set")
            }
            var payload = self.account
            payload["accessToken"] = .string(credentials.accessToken)
            let answer = try await self.exchange(
                CTraderPayload.accountAuthReq, payload, on: link, timeout: self.configuration.requestTimeout)
            if let refusal = answer.refusal {
                guard attempt == 0, refusal.needsReauthentication || refusal.errorCode == "CH_CTID_TRADER_ACCOUNT_NOT_FOUND"
                else { throw .refused(refusal) }
                do {
                    token = try await self.tokens.tokenRejected(token)
                } catch {
                    throw .refused(refusal)
                }
                continue
            }
            self.state.withLock { state in
                state.token = token
                state.authenticatedLink = link.id
            }
            return
        }
    }

    /// Authenticates the account again on `link` (after 2147, 2164 or a refusal naming the authorization), with a
    /// newer token when `rejected` was refused. Single-flight: a caller arriving after someone else already moved on
    /// to a newer token does nothing.
    private func reauthenticate(_ link: Link, rejecting rejected: VenueToken?) async throws(CTraderCallFailure) {
        let result = await self.authGate.run { () async -> Result<Void, CTraderCallFailure> in
            let current = self.state.withLock { $0.token }
            if let rejected, let current, current.generation > rejected.generation,
                self.state.withLock({ $0.authenticatedLink == link.id })
            {
                return .success(())
            }
            do throws(CTraderCallFailure) {
                var token = try await self.currentToken()
                if let rejected, token.generation <= rejected.generation {
                    do {
                        token = try await self.tokens.tokenRejected(rejected)
                    } catch {
                        throw .refused(CTraderRefusal(payloadType: 0, errorCode: "CH_ACCESS_TOKEN_INVALID", description: (error as? VenueError)?.reason ?? "the token was refused"))
                    }
                }
                try await self.authenticateAccount(link, token: token)
                // The account's session was gone, and its spot subscriptions with it: subscribe them again.
                self.state.withLock { state in
                    if state.subscribedOn == link.id { state.subscribed = [] }
                }
                self.resubscribe(link)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Symbol ids (2114) and metadata (2116) of the configured symbols, once; the account's money digits (2121).
    private func loadMetadata(_ link: Link) async throws(CTraderCallFailure) {
        if self.state.withLock({ $0.symbols.isEmpty }) {
            let list = try await self.exchange(CTraderPayload.symbolsListReq, self.account, on: link, timeout: self.configuration.requestTimeout)
            if let refusal = list.refusal { throw .refused(refusal) }
            var ids: [String: Int64] = [:]
            for light in list.payload[member: "symbol"]?.arrayValue ?? [] {
                guard let id = light[member: "symbolId"]?.integerValue, let name = light[member: "symbolName"]?.stringValue else { continue }
                // Names like "EUR/USD" match the configured "EURUSD".
                let plain = name.replacingOccurrences(of: "/", with: "")
                if self.configuration.symbols.quoted.contains(plain) { ids[plain] = Int64(id) }
            }
            var request = self.account
            request["symbolId"] = .array(ids.values.sorted().map { .number(Decimal($0)) })
            let details = try await self.exchange(CTraderPayload.symbolByIdReq, request, on: link, timeout: self.configuration.requestTimeout)
            if let refusal = details.refusal { throw .refused(refusal) }
            var symbols: [String: CTraderSymbol] = [:]
            for symbol in details.payload[member: "symbol"]?.arrayValue ?? [] {
                guard let id = symbol[member: "symbolId"]?.integerValue, let name = ids.first(where: { $0.value == Int64(id) })?.key
                else { continue }
                symbols[name] = CTraderSymbol(
                    id: Int64(id), name: name, digits: symbol[member: "digits"]?.integerValue ?? 5,
                    minVolume: symbol[member: "minVolume"]?.integerValue.map(Int64.init),
                    maxVolume: symbol[member: "maxVolume"]?.integerValue.map(Int64.init),
                    stepVolume: symbol[member: "stepVolume"]?.integerValue.map(Int64.init))
            }
            self.state.withLock { $0.symbols = symbols }
        }
        let trader = try await self.exchange(CTraderPayload.traderReq, self.account, on: link, timeout: self.configuration.requestTimeout)
        if let refusal = trader.refusal { throw .refused(refusal) }
        // moneyDigits absent: the traditional 2 (protocols.md §5.6, unverified).
        let digits = trader.payload[member: "trader"]?[member: "moneyDigits"]?.integerValue ?? 2
        self.state.withLock { $0.moneyDigits = digits }
    }

    // MARK: - Spots

    /// Quotes and stream state of `symbols` until the stream is terminated.
    func events(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: VenueMarketEvent.self)
        let (id, _) = self.quotes.add(symbols, to: continuation)
        continuation.onTermination = { _ in self.leave(id) }
        if let link = self.socket.currentLink {
            if self.socket.isUp { for symbol in symbols.sorted() { continuation.yield(.connected(symbol: symbol)) } }
            Task { await self.subscribe(symbols, on: link) }
        } else {
            Task { _ = try? await self.socket.readyLink(within: self.configuration.requestTimeout) }
        }
        return stream
    }

    private func leave(_ id: UUID) {
        let link = self.socket.currentLink
        let removed = self.quotes.remove(id)
        let dropped = self.state.withLock { state -> [Int64] in
            let ids = removed.compactMap { state.symbols[$0]?.id }
            guard state.subscribedOn == link?.id else { return [] }
            state.subscribed.subtract(ids)
            return ids
        }
        guard let link, !dropped.isEmpty else { return }
        Task {
            var payload = self.account
            payload["symbolId"] = .array(dropped.sorted().map { .number(Decimal($0)) })
            do throws(CTraderCallFailure) {
                _ = try await self.exchange(CTraderPayload.unsubscribeSpotsReq, payload, on: link, timeout: self.configuration.requestTimeout)
            } catch {
                self.logger.info("Spot unsubscription failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func resubscribe(_ link: Link) {
        let wanted = self.quotes.wanted
        guard !wanted.isEmpty else { return }
        Task { await self.subscribe(wanted, on: link) }
    }

    /// 2127 for the symbols not yet subscribed on `link` (once per symbol and connection).
    private func subscribe(_ names: Set<String>, on link: Link) async {
        let (ids, unknown) = self.state.withLock { state -> ([Int64], [String]) in
            if state.subscribedOn != link.id {
                state.subscribedOn = link.id
                state.subscribed = []
            }
            var ids: [Int64] = []
            var unknown: [String] = []
            for name in names.sorted() {
                guard let id = state.symbols[name]?.id else {
                    unknown.append(name)
                    continue
                }
                if state.subscribed.insert(id).inserted { ids.append(id) }
            }
            return (ids, unknown)
        }
        for name in unknown {
            self.quotes.broadcast(to: name) { .disconnected(symbol: $0, reason: "the venue lists no symbol \(name)") }
        }
        guard !ids.isEmpty else { return }
        var payload = self.account
        payload["symbolId"] = .array(ids.map { .number(Decimal($0)) })
        // Spots then carry the venue's time.
        payload["subscribeToSpotTimestamp"] = .bool(true)
        do throws(CTraderCallFailure) {
            let answer = try await self.exchange(
                CTraderPayload.subscribeSpotsReq, payload, on: link, timeout: self.configuration.requestTimeout)
            if let refusal = answer.refusal, refusal.errorCode != "ALREADY_SUBSCRIBED" { throw .refused(refusal) }
        } catch {
            self.state.withLock { state in
                if state.subscribedOn == link.id { state.subscribed.subtract(ids) }
            }
            self.logger.warning("Spot subscription failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Events

    private func route(_ frame: CTraderFrame) {
        let account = self.configuration.accountID
        switch frame.payloadType {
        case CTraderPayload.spotEvent:
            self.spot(frame.payload)
        case CTraderPayload.accountsTokenInvalidatedEvent:
            let accounts = frame.payload[member: "ctidTraderAccountIds"]?.arrayValue?.compactMap(\.integerValue) ?? []
            guard accounts.isEmpty || accounts.contains(Int(account)), let link = self.socket.currentLink else { return }
            self.logger.info("The venue invalidated the account's token; authenticating with a newer one")
            let stale = self.state.withLock { state -> VenueToken? in
                state.authenticatedLink = nil
                return state.token
            }
            Task { try? await self.reauthenticate(link, rejecting: stale) }
        case CTraderPayload.accountDisconnectEvent:
            guard frame.payload[member: "ctidTraderAccountId"]?.integerValue == Int(account), let link = self.socket.currentLink else { return }
            self.logger.info("The venue disconnected the account; authenticating it again")
            self.state.withLock { $0.authenticatedLink = nil }
            Task { try? await self.reauthenticate(link, rejecting: nil) }
        case CTraderPayload.clientDisconnectEvent:
            self.logger.info("The venue closed the application's connection; reconnecting")
            if let link = self.socket.currentLink { self.socket.reconnect(link) }
        default:
            return
        }
    }

    /// 2131: prices are integers in 1/100000; a side that is absent keeps its last value.
    private func spot(_ payload: JSONValue) {
        guard let id = payload[member: "symbolId"]?.integerValue.map(Int64.init) else { return }
        let merged = self.state.withLock { state -> (String, Decimal, Decimal)? in
            let now = Self.sides(of: payload, after: state.lastSpot[id])
            state.lastSpot[id] = now
            guard let name = state.symbol(id: id)?.name, let bid = now.bid, let ask = now.ask else { return nil }
            return (name, bid, ask)
        }
        guard let (name, bidPrice, askPrice) = merged else { return }
        let venueTime = payload[member: "timestamp"]?.integerValue.map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
        self.quotes.deliver(VenueQuote(symbol: name, bid: bidPrice, ask: askPrice, last: nil, venueTime: venueTime, receivedAt: Date()))
    }

    /// The bid and ask after a 2131: integers ÷ 100000, an absent side keeps its `last` value.
    static func sides(of payload: JSONValue, after last: (bid: Decimal?, ask: Decimal?)?) -> (bid: Decimal?, ask: Decimal?) {
        let scale = Decimal(100_000)
        let bid = payload[member: "bid"]?.decimalValue.map { $0 / scale }
        let ask = payload[member: "ask"]?.decimalValue.map { $0 / scale }
        return (bid ?? last?.bid, ask ?? last?.ask)
    }

    /// Closes the connection for good: pending calls fail, streams finish.
    func shutdown() {
        self.socket.shutdown()
        self.quotes.finishAll()
    }
}
