public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// The simulated Deriv (formerly Binary.com) WebSocket API v3 venue (protocols.md §4): one WebSocket endpoint
/// `ws://HOST:PORT/websockets/v3?app_id=N` speaking the v3 JSON envelope (`echo_req`, `msg_type`, `req_id`,
/// `passthrough`, `subscription`), with one virtual USD account, two API tokens, seeded random-walk prices of six
/// symbols, multiplier (MULTUP/MULTDOWN) and rise/fall (CALL/PUT) contracts, a shared rate limit, an idle timeout
/// and fault injection. Every answer is valid against the vendor's `receive.json` of its call.
///
/// Create it through ``VenueSimulator`` (which serves it and its admin API), or directly and run the services from
/// ``makeServices(onListening:)`` yourself. Behaviour the sources leave open is documented where it is implemented
/// (marked "simulator choice, unverified"): `DerivSimulator+Connection` (endpoint, framing, idle timeout, faults),
/// `DerivSimulator+Dispatch` (envelope, validation, authorization, rate limit), the `DerivSimulator+…Calls` files
/// (each call), `DerivContractSpec` and `DerivContract` (pricing and valuation), and `DerivBook` (ids, balance).
public final class DerivSimulator: SimulatedVenue {
    /// `deriv`.
    public let name = "deriv"
    /// Host the venue listens on.
    public let host: String
    /// Port the venue listens on (0 picks a free port).
    public var port: Int { self.configuration.port }
    /// Fault settings, consulted for every request frame (`tokenTTL` is ignored: Deriv tokens do not expire on a
    /// schedule here; use the `expireTokens` action).
    public let faults: VenueFaultInjector
    /// One entry per request frame (and per upgrade request).
    public let requestLog = VenueRequestLog()
    /// The configuration the venue was created with.
    public let configuration: DerivSimulatorConfiguration

    /// The one account's login id.
    public static let loginID = "VRTC1000001"
    /// Most received frames kept for ``receivedFrames()``.
    public static let maxReceivedFrames = 10_000
    /// Largest WebSocket frame and message accepted (64 KiB); a bigger one closes the connection with 1009 (a
    /// frame: swift-nio's decoder refuses it at its header; a fragmented message: when it grows past the limit).
    static let maxMessageSize = 64 << 10

    let tickInterval: Duration
    let logger: Logger
    let market: DerivMarket
    let book: Mutex<DerivBook>
    let connections = DerivConnections()
    /// The frames received (``receivedFrames()``).
    let received = FrameCapture(limit: DerivSimulator.maxReceivedFrames)

    /// Creates the venue. Call ``DerivSimulatorConfiguration/validate()`` first.
    public init(
        configuration: DerivSimulatorConfiguration, host: String, seed: UInt64, tickInterval: Duration, logger: Logger
    ) {
        self.configuration = configuration
        self.host = host
        self.tickInterval = tickInterval
        self.logger = logger.forVenue("deriv")
        self.market = DerivMarket(seed: seed, tickInterval: tickInterval)
        self.faults = VenueFaultInjector(initial: VenueFaultSettings(), seed: seed ^ 0xDE41)
        self.book = Mutex(DerivBook(startingBalance: configuration.startingBalance))
    }

    /// The Hummingbird application serving the WebSocket endpoint, and the clock that settles contracts every price
    /// step.
    public func makeServices(onListening: @escaping @Sendable (Int) -> Void) -> [any Service] {
        [
            self.makeApplication(responder: DerivResponder(venue: self), onListening: onListening),
            PriceStepClock(interval: self.tickInterval) { [self] in self.withCurrentBook { _ in } },
        ]
    }

    /// One record per contract since the last reset, oldest first (see `DerivContract.record(loginID:)`).
    public func acceptedOrders() -> [SimulatedOrderRecord] {
        self.withCurrentBook { $0.contracts.map { $0.record(loginID: Self.loginID) } }
    }

    /// `dropWebSockets` closes every connection abruptly (no close frame); `expireTokens` expires every authorized
    /// session (its next authenticated call is answered `InvalidToken` and it is no longer authorized; `authorize`
    /// with the same token works again). Both return how many they affected.
    public func perform(_ action: VenueFaultAction) -> Int? {
        switch action {
        case .dropWebSockets: self.connections.registry.dropAll()
        case .expireTokens: self.connections.expireAll()
        default: nil
        }
    }

    /// `openConnections`, `authorizedSessions`, `subscriptions` (open streams), `idleClosures`, `rateLimited`
    /// (calls refused with `RateLimit`), `withheldResponses` (answers withheld by `hangOrders`) and `openContracts`.
    public func status() -> [String: Int] {
        var counters = self.connections.counters
        let (limited, withheld, open) = self.withCurrentBook {
            ($0.rateLimited, $0.withheldAnswers, $0.openContracts.count)
        }
        counters["rateLimited"] = limited
        counters["withheldResponses"] = withheld
        counters["openContracts"] = open
        return counters
    }

    /// Restores the starting balance and forgets contracts, proposals, rate windows, counters and received frames;
    /// open connections, their authorization and their streams stay (contract streams of forgotten contracts end).
    public func reset() {
        self.book.withLock { $0.reset() }
        self.connections.resetCounters()
        self.received.removeAll()
    }

    /// Tells every connection to close (with a close frame).
    public func beginShutdown() {
        self.connections.registry.shutDown()
    }

    /// Every text frame received since start or the last reset, oldest first (the newest
    /// ``maxReceivedFrames``), exactly as received: for validating a client's requests in tests.
    public func receivedFrames() -> [String] {
        self.received.frames()
    }

    /// The account's balance in USD.
    public func balance() -> Decimal {
        self.withCurrentBook { $0.balance }
    }

    /// The current quote (mid), bid and ask of `symbol`, or `nil` when the venue does not offer it.
    public func currentQuote(symbol: String) -> (quote: Decimal, bid: Decimal, ask: Decimal)? {
        self.market.quote(named: symbol).map { ($0.quote, $0.bid, $0.ask) }
    }

    // MARK: - Internals

    /// Runs `body` on the book after revaluing every open contract and closing those due (stop out, take profit,
    /// stop loss, expiry).
    func withCurrentBook<T: Sendable>(_ body: (inout DerivBook) -> T) -> T {
        self.book.withLock { book in
            book.advance(quote: { self.market.quote($0) })
            return body(&book)
        }
    }
}
