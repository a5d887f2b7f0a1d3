public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// The simulated cTrader Open API venue (protocols.md §5): the JSON-over-WebSocket API at `ws://HOST:PORT/`
/// (frames `{"clientMsgId","payloadType","payload"}`), with application and account authentication, one hedged USD
/// account, five symbols on seeded random walks, spot subscriptions, market, limit and stop orders, position closes,
/// token refresh (2173, and the HTTP token endpoint `GET|POST /apps/token` on the same port), heartbeats, a
/// per-connection rate limit and fault injection.
///
/// Create it through ``VenueSimulator`` (which serves it and its admin API), or directly and run the services from
/// ``makeServices(onListening:)`` yourself. Behaviour the sources leave open is documented where it is implemented
/// (marked "simulator choice, unverified"): `CTraderSimulator+Connection` (endpoint, framing, heartbeats, spots),
/// `CTraderSimulator+Dispatch` (validation, authentication, rate limit, faults), `CTraderSimulator+Session`,
/// `CTraderSimulator+Trading` and `CTraderSimulator+OAuth` (each call), `CTraderRequestSchema` (field checks),
/// `CTraderBook` (ids, margin, profit, fills), `CTraderMarket` (prices) and `CTraderTokens` (token rotation).
public final class CTraderSimulator: SimulatedVenue {
    /// `ctrader`.
    public let name = "ctrader"
    /// Host the venue listens on.
    public let host: String
    /// Port the venue listens on (0 picks a free port).
    public var port: Int { self.configuration.port }
    /// Fault settings, consulted for every request frame and token request (`tokenTTL` sets `expiresIn` of newly
    /// issued access tokens).
    public let faults: VenueFaultInjector
    /// One entry per request frame (heartbeats excepted), per upgrade request and per HTTP request.
    public let requestLog = VenueRequestLog()
    /// The configuration the venue was created with.
    public let configuration: CTraderSimulatorConfiguration

    /// Most frames kept by ``receivedFrames()`` and ``sentFrames()``.
    public static let maxFrames = 10_000
    /// Largest WebSocket frame and message accepted (64 KiB); a bigger one closes the connection with 1009.
    static let maxMessageSize = 64 << 10
    /// The 2105 `version` (simulator choice).
    static let version = "sim-1"

    let tickInterval: Duration
    let logger: Logger
    let market: CTraderMarket
    let book: Mutex<CTraderBook>
    let tokens: CTraderTokens
    let connections = CTraderConnections()
    /// The account's `registrationTimestamp`: when the venue was created.
    let registeredAt = Date()
    /// The frames received (``receivedFrames()``).
    let received = FrameCapture(limit: CTraderSimulator.maxFrames)
    /// The frames sent (``sentFrames()``).
    let sent = FrameCapture(limit: CTraderSimulator.maxFrames)

    /// Creates the venue. Call ``CTraderSimulatorConfiguration/validate()`` first.
    public init(
        configuration: CTraderSimulatorConfiguration, host: String, seed: UInt64, tickInterval: Duration,
        logger: Logger
    ) {
        self.configuration = configuration
        self.host = host
        self.tickInterval = tickInterval
        self.logger = logger.forVenue("ctrader")
        self.market = CTraderMarket(seed: seed, tickInterval: tickInterval)
        self.faults = VenueFaultInjector(initial: VenueFaultSettings(), seed: seed ^ 0xC7_7ADE)
        self.book = Mutex(
            CTraderBook(
                startingBalance: configuration.startingBalance, leverageInCents: configuration.leverageInCents))
        self.tokens = CTraderTokens(
            accessToken: configuration.accessToken, refreshToken: configuration.refreshToken,
            lifetime: configuration.tokenLifetime)
    }

    /// The Hummingbird application serving the WebSocket endpoint and the token endpoint, and the clock that fills
    /// pending orders, closes positions at their stops and notices expired tokens every price step.
    public func makeServices(onListening: @escaping @Sendable (Int) -> Void) -> [any Service] {
        [
            self.makeApplication(responder: CTraderResponder(venue: self), onListening: onListening),
            PriceStepClock(interval: self.tickInterval) { [self] in self.step() },
        ]
    }

    /// One record per position and per pending order that never filled, oldest first (see
    /// `CTraderBook.records(broker:)`); `broker` is the account id.
    public func acceptedOrders() -> [SimulatedOrderRecord] {
        let broker = String(self.configuration.accountId)
        return self.book.withLock { $0.records(broker: broker) }
    }

    /// `dropWebSockets` closes every connection abruptly (no close frame) and returns how many; `expireTokens`
    /// invalidates every access token (each connection that had an account authorized with one gets 2147 and the
    /// account is no longer authorized there; the refresh token stays valid) and returns how many were still valid.
    public func perform(_ action: VenueFaultAction) -> Int? {
        switch action {
        case .dropWebSockets:
            return self.connections.registry.dropAll()
        case .expireTokens:
            let count = self.tokens.expireAll()
            self.invalidateTokens()
            return count
        default:
            return nil
        }
    }

    /// `openConnections`, `authenticatedAccounts`, `spotSubscriptions`, `heartbeatClosures`, `refreshes`,
    /// `rateLimited`, `withheldResponses`, `openPositions` and `pendingOrders`.
    public func status() -> [String: Int] {
        var counters = self.connections.counters
        let (withheld, open, pending) = self.book.withLock {
            ($0.withheldResponses, $0.openPositions.count, $0.pendingOrders.count)
        }
        counters["withheldResponses"] = withheld
        counters["openPositions"] = open
        counters["pendingOrders"] = pending
        return counters
    }

    /// Restores the starting balance, forgets positions and orders (ids go on), puts the token store back to the
    /// configured tokens and clears the counters and the frame logs. Open connections stay; an account authorized
    /// with a token the reset forgot gets 2147 ("Access token was revoked") and is no longer authorized.
    public func reset() {
        self.book.withLock { $0.reset() }
        self.tokens.reset()
        self.connections.resetCounters()
        self.received.removeAll()
        self.sent.removeAll()
        self.invalidateTokens()
    }

    /// Tells every connection to close (with a close frame).
    public func beginShutdown() {
        self.connections.registry.shutDown()
    }

    /// Every text frame received since start or the last reset, oldest first (the newest ``maxFrames``), exactly as
    /// received: for validating a client's requests in tests.
    public func receivedFrames() -> [String] {
        self.received.frames()
    }

    /// Every frame sent since start or the last reset (answers, events, heartbeats), oldest first (the newest
    /// ``maxFrames``).
    public func sentFrames() -> [String] {
        self.sent.frames()
    }

    /// The live refresh token, for tests. Never log it.
    public func currentRefreshToken() -> String {
        self.tokens.currentRefreshToken
    }

    /// The account's balance in USD.
    public func balance() -> Decimal {
        Decimal(self.book.withLock { $0.balance }) / 100
    }

    /// The current bid and ask of `symbol` (`EURUSD`, …), or `nil` when the venue does not offer it.
    public func currentQuote(symbol: String) -> (bid: Decimal, ask: Decimal)? {
        CTraderSymbol.all.first { $0.name == symbol }.map { self.market.quote($0) }.map { ($0.bid, $0.ask) }
    }

    // MARK: - Internals

    /// De-authorizes every account authorized with an access token that is no longer valid, and sends 2147 to its
    /// connection.
    func invalidateTokens() {
        self.connections.invalidateTokens(
            invalidity: { self.tokens.invalidity(of: $0) },
            makeFrame: { CTraderEnvelope.tokenInvalidated($0, reason: $1) })
    }

    /// One price step: fills pending orders, closes positions at their stops (ORDER_FILLED events, without a
    /// `clientMsgId`, to every connection on which the account is authorized) and notices expired tokens.
    func step() {
        let now = Date()
        let executions = self.book.withLock { $0.advance(quote: { self.market.quote($0) }, now: now) }
        if !executions.isEmpty {
            let account = self.configuration.accountId
            self.connections.push(
                CTraderPayloads.executionFrames(executions, account: account, clientMsgID: nil), toAccount: account)
            self.logger.debug("Price step executed orders", metadata: ["ctrader.executions": "\(executions.count)"])
        }
        self.invalidateTokens()
    }
}
