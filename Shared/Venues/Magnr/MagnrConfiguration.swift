public import Foundation
public import VenueKit

/// Settings of one Magnr account (protocols.md §3).
///
/// ## Configuration keys (relative; the venue file scopes them under `magnr`)
/// - `endpoint` (URL, default `http://127.0.0.1:8803`: the simulator; production `https://magnr.com`, sandbox
///   `https://sandbox.magnr.com`); requests go to `{endpoint}/api/v1/…`
/// - `exchange` (default `Bitstamp`: `Bitstamp`, `ItBit`, `Bitfinex`, `LOCAL`), `leverage` (10, 5 or 2; default 10),
///   `stopMargin` and `take` (USD, optional): defaults for orders without `extensions.magnr`
/// - `requestTimeout` (default 10 s), `fillWait` (default 3 s: how long a placed trade is watched for its fill),
///   `liquidateRetryWindow` (default 60 s: how long a liquidation answered 409 while pending is retried)
/// - `rateLimit` (requests per second, default 5; burst 5)
public struct MagnrConfiguration: Sendable {
    /// The exchanges Magnr routes to (S002).
    public static let exchanges: Set<String> = ["Bitstamp", "ItBit", "Bitfinex", "LOCAL"]
    /// The pairs Magnr trades (S002).
    public static let pairs: Set<String> = ["BTCUSD", "XBTUSD"]
    /// The leverages Magnr offers (S002).
    public static let leverages: Set<Int> = [10, 5, 2]

    /// Base URL (without `/api/v1`).
    public var endpoint: URL
    /// Default exchange of an order.
    public var exchange: String
    /// Default leverage of an order.
    public var leverage: Int
    /// Default stop margin in USD (`nil`: the venue's maximum for the deposit).
    public var stopMargin: Decimal?
    /// Default take-profit distance in USD.
    public var take: Decimal?
    /// Deadline of one HTTP exchange.
    public var requestTimeout: Duration
    /// How long a placed (pending) trade is polled for its fill before the order is reported accepted unfilled.
    public var fillWait: Duration
    /// How long a liquidation refused with 409 (trade still pending) keeps being retried.
    public var liquidateRetryWindow: Duration
    /// Outbound requests per second (token bucket).
    public var requestsPerSecond: Double
    /// Bucket size of the rate limiter.
    public var burst: Int
    /// Which pairs trade.
    public var symbols: VenueSymbolRules

    /// Defaults at `endpoint`.
    public init(endpoint: URL = URL(string: "http://127.0.0.1:8803")!) {
        self.endpoint = endpoint
        self.exchange = "Bitstamp"
        self.leverage = 10
        self.requestTimeout = .seconds(10)
        self.fillWait = .seconds(3)
        self.liquidateRetryWindow = .seconds(60)
        self.requestsPerSecond = 5
        self.burst = 5
        self.symbols = VenueSymbolRules(tradable: Self.pairs, quoteOnly: [])
    }

    /// Checks the settings once at startup.
    public func validate() throws(VenueError) {
        func fail(_ reason: String) -> VenueError { VenueError(.invalidRequest, venue: "magnr", reason: reason) }
        guard Self.exchanges.contains(self.exchange) else { throw fail("exchange must be one of \(Self.exchanges.sorted())") }
        guard Self.leverages.contains(self.leverage) else { throw fail("leverage must be 10, 5 or 2") }
        if let stop = self.stopMargin, stop <= 0 { throw fail("stopMargin must be positive") }
        if let take = self.take, take <= 0 { throw fail("take must be positive") }
        guard self.requestsPerSecond > 0, self.burst > 0 else { throw fail("rate limit must be positive") }
    }

    /// `{endpoint}/api/v1/{path}`.
    func url(_ path: String) -> String {
        var base = self.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/api/v1/" + path
    }
}
