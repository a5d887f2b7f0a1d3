public import Foundation
public import VenueKit

/// Settings of one CPlugin WebAPI venue: one MT4 login on one trade platform (protocols.md §2).
///
/// ## Configuration keys (relative; the venue file scopes them under `cplugin`)
/// - `endpoint` (URL, default `http://127.0.0.1:8802`: the simulator; production `https://cloud.mywebapi.com`)
/// - `authEndpoint` (URL, default = `endpoint`; production `https://auth.cplugin.net`): `{authEndpoint}/connect/token`
/// - `tradePlatform` (GUID of the MT4 server), `login` (the MT4 account traded), `group` (the account's group, used by
///   `TradesGetByLogin`; looked up with `UserRecordGet` when absent)
/// - `requestTimeout` (default 10 s), `tokenRefreshMargin` (default 60 s, as the vendor SDK)
/// - `hubPath` (default `/hubs/mt4/v1`), `hubPingInterval` (15 s), `hubServerTimeout` (30 s), `negotiate` (default
///   `true`: POST `{hub}/negotiate?negotiateVersion=1` before the WebSocket; `false` skips it, as the vendor sample does)
/// - `quoteFallbackAfter` (5 s), `quoteFallbackInterval` (1 s): while the hub is down, quotes come from `TickInfoLast`
/// - `rateLimit` (requests per second, default 20; burst 40)
public struct CPluginConfiguration: Sendable {
    /// Base URL of the REST API and the hubs.
    public var endpoint: URL
    /// Base URL of the identity server (`/connect/token`).
    public var authEndpoint: URL
    /// The trade platform (MT4 server) GUID, lower-case.
    public var tradePlatform: String
    /// The MT4 login orders are placed for.
    public var login: Int32
    /// The login's group, when configured.
    public var group: String?
    /// The OAuth2 client id (not a secret; the client secret is).
    public var clientID: String
    /// Deadline of one HTTP exchange.
    public var requestTimeout: Duration
    /// Fetch a new bearer token this long before the old one expires.
    public var tokenRefreshMargin: Duration
    /// Path of the MT4 hub.
    public var hubPath: String
    /// Whether to negotiate before opening the hub's WebSocket.
    public var negotiate: Bool
    /// The client pings the hub when it sent nothing for this long.
    public var hubPingInterval: Duration
    /// The hub is dead when nothing arrived for this long.
    public var hubServerTimeout: Duration
    /// While the hub has been down this long, quotes are read with `TickInfoLast` instead.
    public var quoteFallbackAfter: Duration
    /// How often `TickInfoLast` is read while the hub is down.
    public var quoteFallbackInterval: Duration
    /// Outbound requests per second (token bucket).
    public var requestsPerSecond: Double
    /// Bucket size of the rate limiter.
    public var burst: Int
    /// How often a request that provably never reached the venue (or that carries an idempotency key) is retried.
    public var retries: Int
    /// Which symbols trade; empty means every symbol the platform has.
    public var symbols: VenueSymbolRules

    /// Defaults for `login` on `tradePlatform` at `endpoint`.
    public init(
        endpoint: URL = URL(string: "http://127.0.0.1:8802")!, authEndpoint: URL? = nil, tradePlatform: String,
        login: Int32, clientID: String
    ) {
        self.endpoint = endpoint
        self.authEndpoint = authEndpoint ?? endpoint
        self.tradePlatform = tradePlatform.lowercased()
        self.login = login
        self.clientID = clientID
        self.requestTimeout = .seconds(10)
        self.tokenRefreshMargin = .seconds(60)
        self.hubPath = "/hubs/mt4/v1"
        self.negotiate = true
        self.hubPingInterval = .seconds(15)
        self.hubServerTimeout = .seconds(30)
        self.quoteFallbackAfter = .seconds(5)
        self.quoteFallbackInterval = .seconds(1)
        self.requestsPerSecond = 20
        self.burst = 40
        self.retries = 2
        self.symbols = VenueSymbolRules(tradable: [], quoteOnly: [])
    }

    /// Checks the settings once at startup.
    public func validate() throws(VenueError) {
        func fail(_ reason: String) -> VenueError { VenueError(.invalidRequest, venue: "cplugin", reason: reason) }
        guard UUID(uuidString: self.tradePlatform) != nil else { throw fail("tradePlatform must be a GUID") }
        guard self.login > 0 else { throw fail("login must be positive") }
        guard !self.clientID.isEmpty else { throw fail("clientId must not be empty") }
        if let group = self.group, group.isEmpty || group.count > 16 { throw fail("group must be 1 to 16 characters") }
        guard self.requestsPerSecond > 0, self.burst > 0 else { throw fail("rate limit must be positive") }
        guard self.hubPingInterval < self.hubServerTimeout else {
            throw fail("hubPingInterval must be shorter than hubServerTimeout")
        }
    }

    /// `{endpoint}/api/v2/MT4/{tradePlatform}/{rest}`.
    func restURL(_ rest: String) -> String {
        Self.join(self.endpoint, "/api/v2/MT4/\(self.tradePlatform)/\(rest)")
    }

    /// `{authEndpoint}/connect/token`.
    var tokenURL: String { Self.join(self.authEndpoint, "/connect/token") }

    static func join(_ base: URL, _ path: String) -> String {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text + path
    }
}
