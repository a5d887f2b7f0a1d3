public import Foundation
import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// The simulated Magnr trading API (protocols.md §3): `POST|GET /api/v1/trades/` and `GET|DELETE
/// /api/v1/trades/{id}/`, every request signed with HMAC-SHA512 over a strictly increasing millisecond tonce; one
/// account with a BTC balance, leveraged BTC trades on four exchanges at one seeded random-walk price, trades that
/// fill and settle over time, and fault injection.
///
/// Create it through ``VenueSimulator`` (which serves it and its admin API), or directly and run the services from
/// ``makeServices(onListening:)`` yourself. Behaviour the specification leaves open is documented where it is
/// implemented: `process`, `route` and `authenticate` (faults, routing, signatures and tonces), `MagnrTradeRequest`
/// (validation), `createTrade` and `liquidate` (trading), `MagnrBook` (fills, settlement, profit) and `MagnrDTO`
/// (the trade object).
public final class MagnrSimulator: SimulatedVenue {
    /// `magnr`.
    public let name = "magnr"
    /// Host the venue listens on.
    public let host: String
    /// Port the venue listens on (0 picks a free port).
    public var port: Int { self.configuration.port }
    /// Fault settings (`tokenTTL` has no meaning here: Magnr keys do not expire).
    public let faults: VenueFaultInjector
    /// Every request received.
    public let requestLog = VenueRequestLog()
    /// The configuration the venue was created with.
    public let configuration: MagnrSimulatorConfiguration

    let logger: Logger
    let market: MagnrMarket
    let book: Mutex<MagnrBook>
    let held = HeldResponses()
    let wake = MagnrWakeSignal()

    /// Largest request body read (64 KiB: a trade request is well under 1 KiB).
    static let maxBodySize = 64 << 10

    /// Creates the venue. Call ``MagnrSimulatorConfiguration/validate()`` first.
    public init(
        configuration: MagnrSimulatorConfiguration, host: String, seed: UInt64, tickInterval: Duration, logger: Logger
    ) {
        self.configuration = configuration
        self.host = host
        self.logger = logger.forVenue("magnr")
        self.market = MagnrMarket(seed: seed, tickInterval: tickInterval)
        self.faults = VenueFaultInjector(initial: VenueFaultSettings(), seed: seed ^ 0x3A6)
        self.book = Mutex(MagnrBook(startingBalance: configuration.startingBalance))
    }

    /// The Hummingbird application serving the API, and the clock that fills and settles trades on time.
    public func makeServices(onListening: @escaping @Sendable (Int) -> Void) -> [any Service] {
        let application = Application(
            responder: MagnrResponder(venue: self),
            configuration: .init(address: .hostname(self.host, port: self.port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: self.logger
        )
        return [application, MagnrTradeClock(venue: self)]
    }

    /// Every trade since the last reset, oldest first (`broker` is the exchange, `ticket` the id, `amount` the size,
    /// `op` the side, `status` the trade status; `openPrice` is 0 while pending and `profit` is in BTC).
    public func acceptedOrders() -> [SimulatedOrderRecord] {
        self.withCurrentBook { $0.trades.map(\.record) }
    }

    /// No one-shot actions: Magnr has no streams and no tokens.
    public func perform(_ action: VenueFaultAction) -> Int? {
        nil
    }

    /// `tonceRejections` and `signatureRejections` (since the last reset; the latter counts every 401),
    /// `withheldResponses`, and `openTrades` (trades holding a deposit: pending or open).
    public func status() -> [String: Int] {
        let (tonces, signatures, live) = self.withCurrentBook { book in
            (book.tonceRejections, book.signatureRejections, book.trades.filter(\.isLive).count)
        }
        return [
            "tonceRejections": tonces, "signatureRejections": signatures, "withheldResponses": self.held.count,
            "openTrades": live,
        ]
    }

    /// Clears trades, the balance, the last tonces and the counters, and releases withheld responses; trade ids keep
    /// counting (an id is never reused).
    public func reset() {
        self.book.withLock { $0.reset() }
        self.held.releaseAll()
    }

    /// Closes withheld responses and stops withholding new ones.
    public func beginShutdown() {
        self.held.shutDown()
    }

    /// The tonces accepted since the last reset, in acceptance order (the newest 100 000 at most).
    public func acceptedTonces() -> [Int64] {
        self.book.withLock { $0.acceptedTonces }
    }

    /// The account's BTC balance: the starting balance plus the profits of settled trades (deposits of pending and
    /// open trades are reserved from it, not deducted).
    public func balance() -> Decimal {
        self.withCurrentBook { $0.balance }
    }

    /// The current BTC/USD mid price (trades fill and close at the ask or bid, 5 USD either side).
    public func currentPrice() -> Decimal {
        self.market.mid
    }

    // MARK: - Time

    /// Runs `body` on the book after filling and settling every trade that is due.
    func withCurrentBook<T: Sendable>(_ body: (inout MagnrBook) -> T) -> T {
        self.book.withLock { book in
            _ = book.advance(now: .now, quote: { self.market.quote })
            return body(&book)
        }
    }

    /// Fills and settles every trade that is due; returns the next instant something falls due.
    func advanceTrades() -> ContinuousClock.Instant? {
        self.book.withLock { $0.advance(now: .now, quote: { self.market.quote }) }
    }
}
