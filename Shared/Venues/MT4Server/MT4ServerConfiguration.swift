public import Foundation
public import VenueKit

/// Settings of one MT4Server venue (one broker account behind one MT4Server proxy).
///
/// ## Configuration keys (relative; the venue file scopes them)
/// - `endpoint` (URL, default `http://127.0.0.1:8801`: the simulator; the real deployment's scheme, host and port
///   vary — protocols.md §1.1)
/// - `broker` (string: `ava`, `icmarkets`, `fxopen`, `fxclub` or `demo`)
/// - `requestTimeout` (duration, default 10 s)
/// - `tokenRefreshMargin` (duration, default 30 s: re-login this long before a JWT's `exp`)
/// - `tickerSilenceTimeout` (duration, default 5 s: a ticker socket silent this long is reopened)
/// - `rateLimit` (requests per second, default 20; burst 40)
public struct MT4ServerConfiguration: Sendable {
    /// Base URL of the MT4Server proxy.
    public var endpoint: URL
    /// Broker id in the URL path.
    public var broker: String
    /// Deadline of one HTTP exchange.
    public var requestTimeout: Duration
    /// Re-login this long before the JWT expires (when it has an `exp`).
    public var tokenRefreshMargin: Duration
    /// A ticker WebSocket silent this long is closed and reopened.
    public var tickerSilenceTimeout: Duration
    /// Outbound requests per second (token bucket).
    public var requestsPerSecond: Double
    /// Bucket size of the rate limiter.
    public var burst: Int
    /// How often a request that provably never reached the venue is retried.
    public var connectRetries: Int
    /// Which symbols trade and which only quote; defaults to the broker's published list.
    public var symbols: VenueSymbolRules

    /// Defaults for `broker` at `endpoint`.
    public init(endpoint: URL = URL(string: "http://127.0.0.1:8801")!, broker: String) {
        self.endpoint = endpoint
        self.broker = broker
        self.requestTimeout = .seconds(10)
        self.tokenRefreshMargin = .seconds(30)
        self.tickerSilenceTimeout = .seconds(5)
        self.requestsPerSecond = 20
        self.burst = 40
        self.connectRetries = 2
        self.symbols = MT4ServerBrokers.symbols(of: broker) ?? VenueSymbolRules(tradable: [], quoteOnly: [])
    }

    /// Checks the settings once at startup.
    public func validate() throws(VenueError) {
        guard MT4ServerBrokers.ids.contains(self.broker) else {
            throw VenueError(.invalidRequest, venue: self.broker, reason: "unknown MT4Server broker id \(self.broker)")
        }
        guard self.requestsPerSecond > 0, self.burst > 0 else {
            throw VenueError(.invalidRequest, venue: self.broker, reason: "rate limit must be positive")
        }
    }
}

/// The brokers behind MT4Server and their symbols (S000; protocols.md §1.2). `*` symbols quote but do not trade.
public enum MT4ServerBrokers {
    /// Broker ids as they appear in URLs.
    public static let ids: Set<String> = ["ava", "icmarkets", "fxopen", "fxclub", "demo"]

    private static let published: [String: String] = [
        "ava": "EURUSD, USDJPY, BCHUSD, BTCEUR, BTCJPY, BTCUSD, BTGUSD",
        "fxclub": "BTCEUR*, EURUSD, USDJPY, BTCUSD, ETCUSD, LTCBTC, LTCUSD, NEOUSD, ETHUSD, DSHUSD, XRPUSD, BCHUSD, BTGUSD, XMRUSD, ZECUSD",
        "fxopen": "EURUSD*, USDJPY*, DSHBTC, DSHUSD, BCHUSD, BTCEUR, BTCUSD, BTCJPY, LTCBTC, LTCEUR, LTCJPY, LTCUSD, ETHEUR, ETHJPY, ETHUSD, XRPEUR, XRPUSD",
        "icmarkets": "EURUSD, USDJPY, BCHUSD, BTCUSD, DSHUSD, ETHUSD, LTCUSD, XRPUSD",
        "demo": "XRPUSD*, BTCUSD, ETHUSD",
    ]

    /// The published symbol rules of `broker`, or `nil` for an unknown broker.
    public static func symbols(of broker: String) -> VenueSymbolRules? {
        guard let list = self.published[broker] else { return nil }
        var rules = VenueSymbolRules(tradable: [], quoteOnly: [])
        for entry in list.split(separator: ",") {
            let symbol = entry.trimmingCharacters(in: .whitespaces)
            if symbol.hasSuffix("*") {
                rules.quoteOnly.insert(String(symbol.dropLast()))
            } else {
                rules.tradable.insert(symbol)
            }
        }
        return rules
    }
}
