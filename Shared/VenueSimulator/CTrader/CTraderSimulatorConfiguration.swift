public import Foundation

/// Configuration of the cTrader Open API venue (protocols.md §5): one listener serving the JSON-over-WebSocket API
/// at `ws://HOST:PORT/` and the OAuth2 token endpoint `GET|POST /apps/token` on the same port.
///
/// ## Keys (relative; the caller scopes them to `ctrader`)
/// - `port` (int, default 8805; 0 picks a free port)
/// - `accountId` (int64, default 1000001): the one account's `ctidTraderAccountId`
/// - `traderLogin` (int64, default 5550001): the account's login number (`trader.traderLogin`)
/// - `clientId` (string, default `sim-ctrader-client`): the application's client id
/// - `clientSecret` (string, default `sim-ctrader-secret`, secret: never printed)
/// - `accessToken` (string, default `sim-ctrader-access`, secret): the access token valid after start or reset
/// - `refreshToken` (string, default `sim-ctrader-refresh`, secret): the refresh token valid after start or reset
/// - `startingBalance` (USD, default 10000, range 0..<1e12, rounded to cents): the balance after start or reset
/// - `leverageInCents` (int, default 10000 = 1:100, range 100...100000)
/// - `tokenLifetime` (seconds, default 2628000, range 1...315360000): `expiresIn` of the access tokens the venue
///   issues (the configured one included); the `tokenTTL` fault overrides it for newly issued tokens
/// - `heartbeatTimeout` (default 10 s, range 10 ms...24 h): a connection that sends nothing for this long is closed
/// - `serverHeartbeatInterval` (default 10 s, range 10 ms...24 h): how often the server sends a heartbeat (51)
/// - `requestsPerSecond` (default 50, range 1...1000000): requests allowed per connection in any sliding 1 s window
public struct CTraderSimulatorConfiguration: Sendable, CustomStringConvertible {
    /// Port to listen on (0 picks a free port).
    public var port = 8805
    /// The one account's `ctidTraderAccountId`.
    public var accountId: Int64 = 1_000_001
    /// The account's login number, as the cTrader UI shows it (not the `ctidTraderAccountId`).
    public var traderLogin: Int64 = 5_550_001
    /// The application's client id (2100 `clientId`, `/apps/token` `client_id`).
    public var clientId = "sim-ctrader-client"
    /// The application's client secret. Secret.
    public var clientSecret = "sim-ctrader-secret"
    /// The access token valid after start or reset. Secret.
    public var accessToken = "sim-ctrader-access"
    /// The refresh token valid after start or reset (one use). Secret.
    public var refreshToken = "sim-ctrader-refresh"
    /// The account's USD balance after start or reset.
    public var startingBalance: Decimal = 10_000
    /// The account's leverage in cents (10000 is 1:100).
    public var leverageInCents = 10_000
    /// `expiresIn` in seconds of issued access tokens (protocols.md §5.2: 2,628,000 s).
    public var tokenLifetime = 2_628_000
    /// Silence from a client after which the server closes its connection (protocols.md §5.3: 10 s).
    public var heartbeatTimeout: Duration = .seconds(10)
    /// Interval of the server's heartbeats (simulator choice, unverified).
    public var serverHeartbeatInterval: Duration = .seconds(10)
    /// Requests allowed per connection in any sliding 1 s window (protocols.md §5.3: 50).
    public var requestsPerSecond = 50

    /// Creates the defaults.
    public init() {}

    /// Checks every value.
    public func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidConfiguration, reason: "ctrader." + reason)
        }
        guard (0...65_535).contains(self.port) else { throw fail("port must be in 0...65535") }
        guard self.accountId > 0 else { throw fail("accountId must be positive") }
        guard self.traderLogin > 0 else { throw fail("traderLogin must be positive") }
        let credentials = [
            ("clientId", self.clientId), ("clientSecret", self.clientSecret), ("accessToken", self.accessToken),
            ("refreshToken", self.refreshToken),
        ]
        for (name, value) in credentials where !Self.isCredential(value) {
            throw fail("\(name) must be 1...256 printable ASCII characters without spaces")
        }
        guard self.accessToken != self.refreshToken else { throw fail("accessToken and refreshToken must differ") }
        guard self.startingBalance >= 0, self.startingBalance < 1_000_000_000_000 else {
            throw fail("startingBalance must be in 0..<1e12")
        }
        guard (100...100_000).contains(self.leverageInCents) else {
            throw fail("leverageInCents must be in 100...100000")
        }
        guard (1...315_360_000).contains(self.tokenLifetime) else {
            throw fail("tokenLifetime must be in 1...315360000 seconds")
        }
        let durations = [
            ("heartbeatTimeout", self.heartbeatTimeout), ("serverHeartbeatInterval", self.serverHeartbeatInterval),
        ]
        for (name, value) in durations where value < .milliseconds(10) || value > .seconds(86_400) {
            throw fail("\(name) must be in 10 ms...24 h")
        }
        guard (1...1_000_000).contains(self.requestsPerSecond) else {
            throw fail("requestsPerSecond must be in 1...1000000")
        }
    }

    /// Safe to log: the secret and the tokens are redacted.
    public var description: String {
        "CTraderSimulatorConfiguration(port: \(self.port), accountId: \(self.accountId), "
            + "traderLogin: \(self.traderLogin), clientId: \(self.clientId), clientSecret: <redacted>, "
            + "accessToken: <redacted>, refreshToken: <redacted>, startingBalance: \(self.startingBalance), "
            + "leverageInCents: \(self.leverageInCents), tokenLifetime: \(self.tokenLifetime), "
            + "heartbeatTimeout: \(self.heartbeatTimeout), serverHeartbeatInterval: \(self.serverHeartbeatInterval), "
            + "requestsPerSecond: \(self.requestsPerSecond))"
    }

    /// 1...256 printable ASCII characters, no space (they travel in JSON strings and form-encoded queries).
    private static func isCredential(_ value: String) -> Bool {
        (1...256).contains(value.utf8.count) && value.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
