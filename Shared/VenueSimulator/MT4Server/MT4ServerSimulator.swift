public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// The simulated MT4Server venue (protocols.md §1): the REST face, the ticker WebSocket, JWT auth,
/// five brokers with seeded random-walk prices, orders and balances, and fault injection.
///
/// Create it through ``VenueSimulator`` (which serves it and its admin API), or directly and run the
/// services from ``makeServices(onListening:)`` yourself.
public final class MT4ServerSimulator: SimulatedVenue {
    /// `mt4server`.
    public let name = "mt4server"
    /// Host the venue listens on.
    public let host: String
    /// Port the venue listens on (0 picks a free port).
    public var port: Int { self.configuration.port }
    /// Fault settings; `tokenTTL` starts at the configured TTL.
    public let faults: VenueFaultInjector
    /// Every request received.
    public let requestLog = VenueRequestLog()

    let configuration: MT4ServerSimulatorConfiguration
    let tickInterval: Duration
    let logger: Logger
    let market: MT4ServerMarket
    let tokens = MT4ServerTokens()
    let book: Mutex<MT4ServerBook>
    let held = HeldResponses()
    let streams = StreamRegistry()

    /// Largest request body read (akka's default `max-content-length`, 8 MiB).
    static let maxBodySize = 8 << 20
    /// Largest order quantity accepted; larger ones are rejected like any bridge refusal (`-1`).
    static let maxAmount: Decimal = 10_000

    /// Creates the venue. Call ``MT4ServerSimulatorConfiguration/validate()`` first.
    public init(
        configuration: MT4ServerSimulatorConfiguration, host: String, seed: UInt64, tickInterval: Duration,
        logger: Logger
    ) {
        self.configuration = configuration
        self.host = host
        self.tickInterval = tickInterval
        self.logger = logger.forVenue("mt4server")
        self.market = MT4ServerMarket(seed: seed, tickInterval: tickInterval)
        var initialFaults = VenueFaultSettings()
        initialFaults.tokenTTL = configuration.tokenTTL
        self.faults = VenueFaultInjector(initial: initialFaults, seed: seed)
        self.book = Mutex(MT4ServerBook(startingBalance: configuration.startingBalance))
    }

    /// The Hummingbird application serving HTTP and the ticker WebSocket.
    public func makeServices(onListening: @escaping @Sendable (Int) -> Void) -> [any Service] {
        let application = WebSocketFace.makeApplication(
            responder: MT4ServerResponder(venue: self), host: self.host, port: self.port, logger: self.logger,
            onListening: onListening,
            shouldUpgrade: { [self] head, channel in await self.shouldUpgrade(head, channel: channel) })
        return [application]
    }

    /// Every accepted order since the last reset, oldest first.
    public func acceptedOrders() -> [SimulatedOrderRecord] {
        self.book.withLock { $0.orders.map(\.record) }
    }

    /// `dropWebSockets` closes every ticker WebSocket; `expireTokens` invalidates every token issued so far.
    public func perform(_ action: VenueFaultAction) -> Int? {
        switch action {
        case .dropWebSockets: self.streams.dropAll()
        case .expireTokens: Int(self.tokens.revokeAll())
        default: nil
        }
    }

    /// `openWebSockets`, `withheldResponses`, `issuedTokens`.
    public func status() -> [String: Int] {
        [
            "openWebSockets": self.streams.count, "withheldResponses": self.held.count,
            "issuedTokens": Int(self.tokens.issuedCount),
        ]
    }

    /// Clears orders and balances and closes withheld responses; tokens stay valid.
    public func reset() {
        self.book.withLock { $0.reset() }
        self.held.releaseAll()
    }

    /// Closes withheld responses and stops withholding new ones.
    public func beginShutdown() {
        self.held.shutDown()
    }

    /// The broker's current quote of `symbol`, or `nil` when the broker does not quote it.
    public func currentQuote(broker: String, symbol: String) -> (bid: Decimal, ask: Decimal)? {
        guard let broker = MT4ServerCatalog.broker(broker),
            let quote = self.market.quote(broker: broker, symbol: symbol)
        else { return nil }
        return (quote.bid, quote.ask)
    }

    /// Current balance of `broker`'s account.
    public func balance(broker: String) -> Decimal {
        self.book.withLock { $0.balance(broker: broker) }
    }
}
