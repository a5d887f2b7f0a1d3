public import Foundation
public import VenueKit

/// Settings of one cTrader account (protocols.md §5).
///
/// ## Configuration keys (relative; the venue file scopes them under `ctrader`)
/// - `endpoint` (URL, default `ws://127.0.0.1:8805`: the simulator; production `wss://live.ctraderapi.com:5036`, demo
///   `wss://demo.ctraderapi.com:5036` — port 5036 is the JSON one)
/// - `accountId` (the `ctidTraderAccountId`, not the login shown in the UI), `clientId` (the application's id; its
///   secret and the account's refresh token are secrets of the auth-token-broker)
/// - `label` (default `tradewire`, ≤ 100 characters): put on every order, so ours can be told from others
/// - `requestTimeout` (default 10 s), `heartbeatInterval` (default 5 s: a heartbeat goes out whenever nothing was sent
///   for this long; the venue drops connections idle for 10 s), `silenceTimeout` (default 30 s)
/// - `requestsPerSecond` (default 50: the venue's limit per connection, as a sliding one-second window)
public struct CTraderConfiguration: Sendable {
    /// The symbols the simulator offers by default.
    public static let defaultSymbols: Set<String> = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD"]

    /// The WebSocket URL of the JSON endpoint.
    public var endpoint: URL
    /// The trading account (`ctidTraderAccountId`).
    public var accountID: Int64
    /// Label of our orders.
    public var label: String
    /// Deadline of one request.
    public var requestTimeout: Duration
    /// A heartbeat goes out when nothing was sent for this long.
    public var heartbeatInterval: Duration
    /// A connection that delivers nothing for this long is reopened.
    public var silenceTimeout: Duration
    /// Requests per second (sliding window).
    public var requestsPerSecond: Int
    /// Which symbols trade.
    public var symbols: VenueSymbolRules

    /// Defaults at `endpoint` for `accountID`.
    public init(endpoint: URL = URL(string: "ws://127.0.0.1:8805")!, accountID: Int64) {
        self.endpoint = endpoint
        self.accountID = accountID
        self.label = "tradewire"
        self.requestTimeout = .seconds(10)
        self.heartbeatInterval = .seconds(5)
        self.silenceTimeout = .seconds(30)
        self.requestsPerSecond = 50
        self.symbols = VenueSymbolRules(tradable: Self.defaultSymbols, quoteOnly: [])
    }

    /// Checks the settings once at startup.
    public func validate() throws(VenueError) {
        func fail(_ reason: String) -> VenueError { VenueError(.invalidRequest, venue: "ctrader", reason: reason) }
        guard ["ws", "wss"].contains(self.endpoint.scheme ?? "") else { throw fail("endpoint must be a ws:// or wss:// URL") }
        guard self.accountID > 0 else { throw fail("accountId must be positive") }
        guard !self.label.isEmpty, self.label.count <= 100 else { throw fail("label must be 1 to 100 characters") }
        guard self.heartbeatInterval >= .milliseconds(100), self.heartbeatInterval < .seconds(10) else {
            throw fail("heartbeatInterval must be under the venue's 10-second idle cut")
        }
        guard self.silenceTimeout > self.heartbeatInterval else { throw fail("silenceTimeout must exceed heartbeatInterval") }
        guard self.requestsPerSecond > 0 else { throw fail("requestsPerSecond must be positive") }
    }
}
