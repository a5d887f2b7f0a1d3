public import Foundation

/// Configuration of ``VenueSimulator``: the admin API, the shared market settings and one nested struct
/// per venue.
///
/// ## Keys (as `venue-sim` options)
/// - `host` (`--host`, default `127.0.0.1`): address every listener binds to
/// - `adminPort` (`--admin-port`, default 8800; 0 picks a free port)
/// - `seed` (`--seed`, default 42): seed of the price walks and fault draws
/// - `tickInterval` (`--tick-interval-ms`, default 50 ms): price step and WebSocket push interval
/// - `mt4Server.port` (`--mt4-port`, default 8801), `mt4Server.apiKey` (`--mt4-api-key` or
///   `VENUE_SIM_MT4_API_KEY`, secret), `mt4Server.tokenTTL` (`--mt4-token-ttl`, default none)
/// - `cplugin.port` (`--cplugin-port`, default 8802), `cplugin.clientSecret` (`--cplugin-client-secret` or
///   `VENUE_SIM_CPLUGIN_CLIENT_SECRET`, secret), `cplugin.tokenLifetime` (`--cplugin-token-ttl`, default 3600 s),
///   `cplugin.keepAliveInterval` (`--cplugin-keep-alive-ms`, default 15 s); the other keys in
///   ``CPluginSimulatorConfiguration``
/// - `magnr.port` (`--magnr-port`, default 8803), `magnr.privateKey` (`--magnr-private-key` or
///   `VENUE_SIM_MAGNR_PRIVATE_KEY`, secret), `magnr.fillDelay` (`--magnr-fill-delay-ms`, default 300 ms); the other
///   keys in ``MagnrSimulatorConfiguration``
/// - `deriv.port` (`--deriv-port`, default 8804), `deriv.token` (`--deriv-token` or `VENUE_SIM_DERIV_TOKEN`, secret),
///   `deriv.idleTimeout` (`--deriv-idle-timeout-ms`, default 120 s), `deriv.callsPerMinute`
///   (`--deriv-calls-per-minute`, default 360); the other keys in ``DerivSimulatorConfiguration``
/// - `ctrader.port` (`--ctrader-port`, default 8805), `ctrader.clientSecret` (`--ctrader-client-secret` or
///   `VENUE_SIM_CTRADER_CLIENT_SECRET`, secret), `ctrader.refreshToken` (`--ctrader-refresh-token` or
///   `VENUE_SIM_CTRADER_REFRESH_TOKEN`, secret), `ctrader.heartbeatTimeout` (`--ctrader-heartbeat-timeout-ms`,
///   default 10 s), `ctrader.tokenLifetime` (`--ctrader-token-ttl`, default 2628000 s); the other keys in
///   ``CTraderSimulatorConfiguration``
public struct VenueSimulatorConfiguration: Sendable {
    /// Address every listener binds to.
    public var host = "127.0.0.1"
    /// Port of the admin API (0 picks a free port).
    public var adminPort = 8800
    /// Seed of the price walks and of the fault draws.
    public var seed: UInt64 = 42
    /// Interval of price steps and of WebSocket ticker pushes.
    public var tickInterval: Duration = .milliseconds(50)
    /// The MT4Server venue.
    public var mt4Server = MT4ServerSimulatorConfiguration()
    /// The CPlugin WebAPI venue.
    public var cplugin = CPluginSimulatorConfiguration()
    /// The Magnr venue.
    public var magnr = MagnrSimulatorConfiguration()
    /// The Deriv WebSocket API v3 venue.
    public var deriv = DerivSimulatorConfiguration()
    /// The cTrader Open API venue.
    public var ctrader = CTraderSimulatorConfiguration()

    /// Creates the defaults for local development.
    public init() {}

    /// A configuration for tests: every listener on `127.0.0.1` with a free port.
    public static var ephemeral: Self {
        var configuration = Self()
        configuration.adminPort = 0
        configuration.mt4Server.port = 0
        configuration.cplugin.port = 0
        configuration.magnr.port = 0
        configuration.deriv.port = 0
        configuration.ctrader.port = 0
        return configuration
    }

    /// Checks every value; call once at startup.
    public func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidConfiguration, reason: reason)
        }
        guard !self.host.isEmpty else { throw fail("host must not be empty") }
        guard (0...65_535).contains(self.adminPort) else { throw fail("adminPort must be in 0...65535") }
        guard self.tickInterval >= .milliseconds(1), self.tickInterval <= .seconds(60) else {
            throw fail("tickInterval must be in 1 ms...60 s")
        }
        try self.mt4Server.validate()
        try self.cplugin.validate()
        try self.magnr.validate()
        try self.deriv.validate()
        try self.ctrader.validate()
        let ports = [
            ("adminPort", self.adminPort), ("mt4Server.port", self.mt4Server.port), ("cplugin.port", self.cplugin.port),
            ("magnr.port", self.magnr.port), ("deriv.port", self.deriv.port), ("ctrader.port", self.ctrader.port),
        ]
        for (index, (name, port)) in ports.enumerated() where port != 0 {
            for (otherName, otherPort) in ports[(index + 1)...] where otherPort == port {
                throw fail("\(name) and \(otherName) must differ")
            }
        }
    }
}

/// Configuration of the MT4Server venue (protocols.md §1).
///
/// ## Keys (relative; the caller scopes them to `mt4Server`)
/// - `port` (int, default 8801; 0 picks a free port)
/// - `apiKey` (string, default `sim-mt4-api-key`, secret: never printed)
/// - `tokenTTL` (seconds, default none: tokens without `exp`, as the real server issues them)
/// - `startingBalance` (decimal, default 10000): balance of every broker account after start or reset
/// - `maxWithheld` (duration, default 300 s): longest time a withheld (`hangOrders`) response is kept open
/// - `framesPerPush` (default 1): ticker frames per tick interval and socket (a benchmark firehose above 1)
public struct MT4ServerSimulatorConfiguration: Sendable, CustomStringConvertible {
    /// Port to listen on (0 picks a free port).
    public var port = 8801
    /// The API key `POST /token` accepts. Secret.
    public var apiKey = "sim-mt4-api-key"
    /// Lifetime of issued tokens in seconds; `nil` issues tokens without expiry. Also settable as a fault.
    public var tokenTTL: Int? = nil
    /// Balance of every broker account after start or reset.
    public var startingBalance: Decimal = 10_000
    /// Longest time a withheld response is kept open before the connection is closed anyway.
    public var maxWithheld: Duration = .seconds(300)
    /// Ticker frames pushed per tick interval on each socket (1 is the venue's behaviour; more is a firehose for
    /// benchmarks).
    public var framesPerPush = 1

    /// Creates the defaults.
    public init() {}

    /// Checks every value.
    public func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidConfiguration, reason: reason)
        }
        guard (0...65_535).contains(self.port) else { throw fail("mt4Server.port must be in 0...65535") }
        guard !self.apiKey.isEmpty, !self.apiKey.contains("\""),
            self.apiKey == self.apiKey.trimmingCharacters(in: .whitespacesAndNewlines)
        else {
            throw fail("mt4Server.apiKey must be non-empty, without '\"' or surrounding whitespace")
        }
        if let ttl = self.tokenTTL, !(1...315_360_000).contains(ttl) {
            throw fail("mt4Server.tokenTTL must be in 1...315360000 seconds")
        }
        guard self.startingBalance >= 0, self.startingBalance < 1_000_000_000_000 else {
            throw fail("mt4Server.startingBalance must be in 0..<1e12")
        }
        guard self.maxWithheld > .zero else { throw fail("mt4Server.maxWithheld must be positive") }
        guard (1...10_000).contains(self.framesPerPush) else { throw fail("mt4Server.framesPerPush must be in 1...10000") }
    }

    /// Safe to log: the API key is redacted.
    public var description: String {
        let ttl = self.tokenTTL.map(String.init) ?? "none"
        return "MT4ServerSimulatorConfiguration(port: \(self.port), apiKey: <redacted>, tokenTTL: \(ttl), "
            + "startingBalance: \(self.startingBalance))"
    }
}
