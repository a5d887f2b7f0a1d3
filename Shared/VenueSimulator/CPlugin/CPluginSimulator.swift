public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// The simulated CPlugin Cloud WebAPI venue (protocols.md §2): on one port, the OAuth2 client-credentials token
/// endpoint with its discovery document, the v2 REST API under `/api/v2/MT4/{tradePlatform}/…` with its
/// `{data,error,meta}` envelope and `Idempotency-Key` replay, and the ASP.NET Core SignalR hub `/hubs/mt4/v1`
/// (negotiate, WebSockets, JSON hub protocol) pushing `onTick`; one trade platform with one account, seeded
/// random-walk prices, and fault injection.
///
/// Create it through ``VenueSimulator`` (which serves it and its admin API), or directly and run the services from
/// ``makeServices(onListening:)`` yourself. Behaviour the specification leaves open is documented where it is
/// implemented: `issueToken` (OAuth), `route` (routing and authentication), `tradeTransaction` (trading and
/// idempotency), `read` (the read endpoints) and the hub files.
public final class CPluginSimulator: SimulatedVenue {
    /// `cplugin`.
    public let name = "cplugin"
    /// Host the venue listens on.
    public let host: String
    /// Port the venue listens on (0 picks a free port).
    public var port: Int { self.configuration.port }
    /// Fault settings; `tokenTTL`, when set, overrides ``CPluginSimulatorConfiguration/tokenLifetime``.
    public let faults: VenueFaultInjector
    /// Every request received.
    public let requestLog = VenueRequestLog()
    /// The configuration the venue was created with.
    public let configuration: CPluginSimulatorConfiguration

    let tickInterval: Duration
    let logger: Logger
    let market: CPluginMarket
    let tokens = CPluginTokens()
    let book: Mutex<CPluginBook>
    let held = HeldResponses()
    let hub = CPluginHubRegistry()
    /// Hub method calls received since start, by method name (`GET /cplugin/status`).
    let hubCalls = Mutex<[String: Int]>([:])
    let startedAt = Date()
    private let listeningPort = Mutex(0)

    /// Largest request body read (8 MiB).
    static let maxBodySize = 8 << 20
    /// Largest `volume` (lots × 100) an order may have: 100 lots.
    static let maxVolume: Int32 = 10_000

    /// Creates the venue. Call ``CPluginSimulatorConfiguration/validate()`` first.
    public init(
        configuration: CPluginSimulatorConfiguration, host: String, seed: UInt64, tickInterval: Duration,
        logger: Logger
    ) {
        self.configuration = configuration
        self.host = host
        self.tickInterval = tickInterval
        self.logger = logger.forVenue("cplugin")
        self.market = CPluginMarket(symbols: configuration.symbols, seed: seed, tickInterval: tickInterval)
        self.faults = VenueFaultInjector(initial: VenueFaultSettings(), seed: seed ^ 0xC9)
        self.book = Mutex(CPluginBook(startingBalance: configuration.startingBalance))
    }

    /// The Hummingbird application serving HTTP and the hub's WebSockets.
    public func makeServices(onListening: @escaping @Sendable (Int) -> Void) -> [any Service] {
        let application = WebSocketFace.makeApplication(
            responder: CPluginResponder(venue: self), host: self.host, port: self.port,
            maxFrameSize: Self.maxHubMessageSize, logger: self.logger,
            onListening: { [self] port in
                self.listeningPort.withLock { $0 = port }
                onListening(port)
            },
            shouldUpgrade: { [self] head, channel in await self.shouldUpgrade(head, channel: channel) })
        return [application]
    }

    /// The bound port once listening (the configured one before).
    var boundPort: Int {
        let port = self.listeningPort.withLock { $0 }
        return port == 0 ? self.port : port
    }

    /// Every trade record since the last reset, by ticket (the closed part of a partial close and its open
    /// remainder are two records).
    public func acceptedOrders() -> [SimulatedOrderRecord] {
        self.book.withLock { $0.trades.map(\.record) }
    }

    /// `dropWebSockets` closes every hub socket abruptly (no close frame, no close message); `expireTokens` revokes
    /// every token issued so far (open hub connections stay open, as in ASP.NET Core).
    public func perform(_ action: VenueFaultAction) -> Int? {
        switch action {
        case .dropWebSockets: self.hub.sockets.dropAll()
        case .expireTokens: self.tokens.revokeAll()
        default: nil
        }
    }

    /// `openHubConnections`, `withheldResponses`, `issuedTokens`, `idempotentReplays`.
    public func status() -> [String: Int] {
        [
            "openHubConnections": self.hub.sockets.count, "withheldResponses": self.held.count,
            "issuedTokens": self.tokens.issuedCount,
            "idempotentReplays": self.book.withLock { $0.idempotentReplays },
            "subscribeCalls": self.hubCalls.withLock { $0["SubscribeToTicks"] ?? 0 },
            "unsubscribeCalls": self.hubCalls.withLock { $0["UnsubscribeFromTicks"] ?? 0 },
        ]
    }

    /// Clears trades, the balance, the idempotency store and withheld responses; tokens, negotiated hub connections
    /// and open hub sockets (with their subscriptions) stay.
    public func reset() {
        self.book.withLock { $0.reset() }
        self.held.releaseAll()
    }

    /// Closes withheld responses, sends every hub connection a close message and stops accepting hub work.
    public func beginShutdown() {
        self.held.shutDown()
        self.hub.sockets.shutDown()
    }

    /// The current quote of `symbol`, or `nil` when the venue does not quote it.
    public func currentQuote(symbol: String) -> (bid: Decimal, ask: Decimal)? {
        self.market.quote(symbol).map { ($0.bid, $0.ask) }
    }

    /// The balance of the account `login` in USD, or `nil` when there is no such account.
    public func balance(login: Int32) -> Decimal? {
        guard login == self.configuration.login else { return nil }
        return self.book.withLock { $0.balance }
    }
}
