public import Foundation

/// Configuration of the Magnr venue (protocols.md §3): one listener serving `/api/v1/trades/…`, signed per request
/// with HMAC-SHA512 and a tonce.
///
/// ## Keys (relative; the caller scopes them to `magnr`)
/// - `port` (int, default 8803; 0 picks a free port)
/// - `publicKey` (string, default `sim-magnr-pub`), `privateKey` (string, default `sim-magnr-priv`, secret: never
///   printed): the one API key pair the venue knows
/// - `tonceWindow` (default 300 s, range 1 s...24 h): largest allowed distance between a tonce and the server clock,
///   in either direction
/// - `startingBalance` (BTC, default 10, range 0..<1e9): the account's balance after start or reset; deposits are
///   reserved from it
/// - `fillDelay` (default 300 ms, range 0...10 min): how long a new trade stays `pending` before it opens
/// - `settleDelay` (default 300 ms, range 0...10 min): how long a liquidated trade stays `closed` before it settles
/// - `maxWithheld` (default 300 s): longest time a withheld (`hangOrders`) response is kept open
public struct MagnrSimulatorConfiguration: Sendable, CustomStringConvertible {
    /// Port to listen on (0 picks a free port).
    public var port = 8803
    /// The public key (the user part of `Authorization: Basic`) the venue knows.
    public var publicKey = "sim-magnr-pub"
    /// The private key that signs requests of ``publicKey``. Secret.
    public var privateKey = "sim-magnr-priv"
    /// Largest allowed distance, in either direction, between a request's tonce and the server clock.
    public var tonceWindow: Duration = .seconds(300)
    /// The account's BTC balance after start or reset (the balance trade deposits are reserved from).
    public var startingBalance: Decimal = 10
    /// How long a new trade stays `pending` before it is filled and `open`.
    public var fillDelay: Duration = .milliseconds(300)
    /// How long a liquidated trade stays `closed` before it is `settled` with its profit.
    public var settleDelay: Duration = .milliseconds(300)
    /// Longest time a withheld response is kept open before the connection is closed anyway.
    public var maxWithheld: Duration = .seconds(300)

    /// Creates the defaults.
    public init() {}

    /// The exchanges Magnr routes to and the pairs each offers (S002 names both; which exchange offers which pair is
    /// the simulator's choice: Bitstamp BTCUSD, ItBit XBTUSD, Bitfinex and LOCAL both).
    public static let exchanges: KeyValuePairs<String, [String]> = [
        "Bitstamp": ["BTCUSD"], "ItBit": ["XBTUSD"], "Bitfinex": ["BTCUSD", "XBTUSD"], "LOCAL": ["BTCUSD", "XBTUSD"],
    ]

    /// The leverages a trade may use (S002: 10, 5 or 2; 10 when absent).
    public static let leverages: [Int] = [10, 5, 2]

    /// Checks every value.
    public func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidConfiguration, reason: "magnr." + reason)
        }
        guard (0...65_535).contains(self.port) else { throw fail("port must be in 0...65535") }
        for (name, value) in [("publicKey", self.publicKey), ("privateKey", self.privateKey)] {
            guard !value.isEmpty, value.utf8.count <= 256,
                value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
            else { throw fail("\(name) must be 1...256 printable ASCII characters without spaces") }
        }
        // The public key is the user part of HTTP Basic credentials, which ends at the first colon (RFC 7617).
        guard !self.publicKey.contains(":") else { throw fail("publicKey must not contain ':'") }
        guard self.tonceWindow >= .seconds(1), self.tonceWindow <= .seconds(86_400) else {
            throw fail("tonceWindow must be in 1 s...24 h")
        }
        guard self.startingBalance >= 0, self.startingBalance < 1_000_000_000 else {
            throw fail("startingBalance must be in 0..<1e9 BTC")
        }
        for (name, value) in [("fillDelay", self.fillDelay), ("settleDelay", self.settleDelay)]
        where value < .zero || value > .seconds(600) {
            throw fail("\(name) must be in 0...10 min")
        }
        guard self.maxWithheld >= .milliseconds(10), self.maxWithheld <= .seconds(86_400) else {
            throw fail("maxWithheld must be in 10 ms...24 h")
        }
    }

    /// Safe to log: the private key is redacted.
    public var description: String {
        "MagnrSimulatorConfiguration(port: \(self.port), publicKey: \(self.publicKey), privateKey: <redacted>, "
            + "tonceWindow: \(self.tonceWindow), startingBalance: \(self.startingBalance), "
            + "fillDelay: \(self.fillDelay), settleDelay: \(self.settleDelay), maxWithheld: \(self.maxWithheld))"
    }

    /// The pairs `exchange` offers, or `nil` for an unknown exchange (names are case-sensitive).
    static func pairs(of exchange: String) -> [String]? {
        Self.exchanges.first { $0.key == exchange }?.value
    }
}
