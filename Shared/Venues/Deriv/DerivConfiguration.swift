public import Foundation
public import VenueKit

/// Settings of one Deriv account (protocols.md §4).
///
/// ## Configuration keys (relative; the venue file scopes them under `deriv`)
/// - `endpoint` (URL, default `ws://127.0.0.1:8804`: the simulator; production `wss://ws.derivws.com`); the session
///   connects to `{endpoint}/websockets/v3?app_id={appId}` (`&l={language}` when set)
/// - `appId` (default 1089: Deriv's documented test app id), `language` (optional, e.g. `EN`)
/// - `currency` (default `USD`): the account currency; stakes are in it, and `authorize` must report it
/// - `multiplier` (default 100): multiplier of orders without `extensions.deriv.multiplier`; `multipliers` (symbol →
///   multiplier) overrides it per symbol (each symbol offers its own set of multipliers)
/// - `requestTimeout` (default 10 s), `pingInterval` (default 10 s: a ping goes out when nothing was sent for this
///   long, well inside the 2-minute idle cut), `silenceTimeout` (default 3 × `pingInterval`: a connection that
///   delivers nothing for this long is dead and is reopened)
/// - call budgets per minute (Deriv's shared groups, protocols.md §4.4): `tradeCallsPerMinute` (buy, sell, proposal,
///   proposal_open_contract; default 360), `balanceCallsPerMinute` (100), `portfolioCallsPerMinute` (30),
///   `generalCallsPerMinute` (every other call but ping; 220)
public struct DerivConfiguration: Sendable {
    /// The symbols the simulator and Deriv's synthetic market offer by default.
    public static let defaultSymbols: Set<String> = ["R_10", "R_25", "R_50", "R_75", "R_100", "frxEURUSD"]
    /// Contract types an order may use: multipliers (the market-order analogue) and rise/fall.
    public static let contractTypes: Set<String> = ["MULTUP", "MULTDOWN", "CALL", "PUT"]

    /// Base URL of the WebSocket API (without `/websockets/v3`).
    public var endpoint: URL
    /// The registered application id.
    public var appID: Int
    /// Language of the venue's messages (`l=`), when set.
    public var language: String?
    /// The account currency.
    public var currency: String
    /// Multiplier of orders that name none.
    public var multiplier: Decimal
    /// Per-symbol multipliers of orders that name none (over ``multiplier``).
    public var multipliers: [String: Decimal] = [:]
    /// Deadline of one request (from sending to its answer).
    public var requestTimeout: Duration
    /// A ping goes out when nothing was sent for this long.
    public var pingInterval: Duration
    /// A connection that delivers nothing for this long is reopened.
    public var silenceTimeout: Duration
    /// buy + sell + proposal + proposal_open_contract per minute.
    public var tradeCallsPerMinute: Int
    /// balance calls per minute.
    public var balanceCallsPerMinute: Int
    /// portfolio calls per minute.
    public var portfolioCallsPerMinute: Int
    /// Every other call (authorize, ticks, forget, …; not ping) per minute.
    public var generalCallsPerMinute: Int
    /// Which symbols trade.
    public var symbols: VenueSymbolRules

    /// Defaults at `endpoint`.
    public init(endpoint: URL = URL(string: "ws://127.0.0.1:8804")!, appID: Int = 1089) {
        self.endpoint = endpoint
        self.appID = appID
        self.currency = "USD"
        self.multiplier = 100
        self.requestTimeout = .seconds(10)
        self.pingInterval = .seconds(10)
        self.silenceTimeout = .seconds(30)
        self.tradeCallsPerMinute = 360
        self.balanceCallsPerMinute = 100
        self.portfolioCallsPerMinute = 30
        self.generalCallsPerMinute = 220
        self.symbols = VenueSymbolRules(tradable: Self.defaultSymbols, quoteOnly: [])
    }

    /// Checks the settings once at startup.
    public func validate() throws(VenueError) {
        func fail(_ reason: String) -> VenueError { VenueError(.invalidRequest, venue: "deriv", reason: reason) }
        guard ["ws", "wss", "http", "https"].contains(self.endpoint.scheme ?? "") else {
            throw fail("endpoint must be a ws:// or wss:// URL")
        }
        guard self.appID > 0 else { throw fail("appId must be positive") }
        guard self.currency.range(of: "^[A-Z]{3,4}$", options: .regularExpression) != nil else {
            throw fail("currency must be an ISO code such as USD")
        }
        guard self.multiplier > 0, self.multipliers.values.allSatisfy({ $0 > 0 }) else {
            throw fail("multipliers must be positive")
        }
        guard self.pingInterval >= .milliseconds(100), self.pingInterval < .seconds(120) else {
            throw fail("pingInterval must be under the 2-minute idle cut")
        }
        guard self.silenceTimeout > self.pingInterval else { throw fail("silenceTimeout must exceed pingInterval") }
        for budget in [self.tradeCallsPerMinute, self.balanceCallsPerMinute, self.portfolioCallsPerMinute, self.generalCallsPerMinute] {
            guard budget > 0 else { throw fail("call budgets must be positive") }
        }
    }

    /// `{endpoint}/websockets/v3?app_id=…[&l=…]` with a WebSocket scheme.
    var webSocketURL: String {
        var base = self.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasPrefix("https://") { base = "wss://" + base.dropFirst("https://".count) }
        if base.hasPrefix("http://") { base = "ws://" + base.dropFirst("http://".count) }
        var url = base + "/websockets/v3?app_id=\(self.appID)"
        if let language = self.language { url += "&l=\(language)" }
        return url
    }
}
