public import Foundation

/// Configuration of the Deriv (Binary.com) WebSocket API v3 venue (protocols.md §4): one listener serving
/// `ws://HOST:PORT/websockets/v3?app_id=N`.
///
/// ## Keys (relative; the caller scopes them to `deriv`)
/// - `port` (int, default 8804; 0 picks a free port)
/// - `token` (string, default `sim-deriv-token`, secret: never printed): the API token with scopes `read`, `trade`
///   and `trading_information`
/// - `readOnlyToken` (string, default `sim-deriv-readonly`): a second token of the same account with scope `read`
///   only
/// - `startingBalance` (USD, default 10000, range 0..<1e12): the virtual account's balance after start or reset
/// - `idleTimeout` (default 120 s, range 10 ms...24 h): a connection that sends no frame for this long is closed
/// - `callsPerMinute` (default 360, range 1...1000000): the budget `buy`, `sell`, `proposal` and
///   `proposal_open_contract` share per account in a sliding 60 s window
/// - `proposalLifetime` (default 60 s, range 1 s...24 h): how long a proposal id can be bought
public struct DerivSimulatorConfiguration: Sendable, CustomStringConvertible {
    /// Port to listen on (0 picks a free port).
    public var port = 8804
    /// The API token with scopes `read`, `trade` and `trading_information`. Secret.
    public var token = "sim-deriv-token"
    /// A token of the same account with scope `read` only (for permission tests; not a secret).
    public var readOnlyToken = "sim-deriv-readonly"
    /// The virtual account's USD balance after start or reset.
    public var startingBalance: Decimal = 10_000
    /// Silence from a client after which the server closes its connection (protocols.md §4.2: 2 minutes).
    public var idleTimeout: Duration = .seconds(120)
    /// Calls of `buy`, `sell`, `proposal` and `proposal_open_contract` allowed per account in any 60 s window.
    public var callsPerMinute = 360
    /// How long a proposal id stays valid for `buy` (simulator choice, unverified).
    public var proposalLifetime: Duration = .seconds(60)

    /// Creates the defaults.
    public init() {}

    /// Checks every value.
    public func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidConfiguration, reason: "deriv." + reason)
        }
        guard (0...65_535).contains(self.port) else { throw fail("port must be in 0...65535") }
        for (name, value) in [("token", self.token), ("readOnlyToken", self.readOnlyToken)] {
            guard DerivPattern.token.matches(value) else {
                throw fail("\(name) must be 1...128 characters of A-Z, a-z, 0-9, '_' and '-'")
            }
        }
        guard self.token != self.readOnlyToken else { throw fail("token and readOnlyToken must differ") }
        guard self.startingBalance >= 0, self.startingBalance < 1_000_000_000_000 else {
            throw fail("startingBalance must be in 0..<1e12")
        }
        guard self.idleTimeout >= .milliseconds(10), self.idleTimeout <= .seconds(86_400) else {
            throw fail("idleTimeout must be in 10 ms...24 h")
        }
        guard (1...1_000_000).contains(self.callsPerMinute) else {
            throw fail("callsPerMinute must be in 1...1000000")
        }
        guard self.proposalLifetime >= .seconds(1), self.proposalLifetime <= .seconds(86_400) else {
            throw fail("proposalLifetime must be in 1 s...24 h")
        }
    }

    /// Safe to log: the token is redacted.
    public var description: String {
        "DerivSimulatorConfiguration(port: \(self.port), token: <redacted>, readOnlyToken: \(self.readOnlyToken), "
            + "startingBalance: \(self.startingBalance), idleTimeout: \(self.idleTimeout), "
            + "callsPerMinute: \(self.callsPerMinute), proposalLifetime: \(self.proposalLifetime))"
    }
}
