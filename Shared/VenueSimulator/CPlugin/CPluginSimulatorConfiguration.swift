public import Foundation

/// Configuration of the CPlugin WebAPI venue (protocols.md §2): one listener serving the OAuth2 token endpoint,
/// the v2 REST API and the SignalR hub `/hubs/mt4/v1`.
///
/// ## Keys (relative; the caller scopes them to `cplugin`)
/// - `port` (int, default 8802; 0 picks a free port)
/// - `clientID` (string, default `sim-cplugin-client`), `clientSecret` (string, default `sim-cplugin-secret`,
///   secret: never printed)
/// - `tokenLifetime` (seconds, default 3600, range 1...315360000): `expires_in` of issued tokens; the fault
///   setting `tokenTTL`, when set, overrides it for newly issued tokens
/// - `tradePlatform` (GUID, default `00000000-0000-0000-0000-000000000001`): the one trade platform served
/// - `login` (default 1001), `group` (default `demo`), `leverage` (default 100), `startingBalance` (USD, default
///   10000): the one trading account
/// - `symbols` (default EURUSD, USDJPY, BTCUSD, ETHUSD): the quoted and tradable symbols
/// - `keepAliveInterval` (default 15 s), `clientTimeout` (default 30 s), `handshakeTimeout` (default 15 s): the
///   hub's ASP.NET Core `HubOptions`
/// - `maxWithheld` (default 300 s): longest time a withheld (`hangOrders`) response is kept open
public struct CPluginSimulatorConfiguration: Sendable, CustomStringConvertible {
    /// Port to listen on (0 picks a free port).
    public var port = 8802
    /// The OAuth2 client id `POST /connect/token` accepts.
    public var clientID = "sim-cplugin-client"
    /// The OAuth2 client secret `POST /connect/token` accepts. Secret.
    public var clientSecret = "sim-cplugin-secret"
    /// Lifetime of issued tokens in seconds (`expires_in`).
    public var tokenLifetime = 3_600
    /// The trade platform GUID served under `/api/v2/MT4/{tradePlatform}/…`, in any case.
    public var tradePlatform = "00000000-0000-0000-0000-000000000001"
    /// The one trading account's login.
    public var login: Int32 = 1_001
    /// The account's group (at most 16 characters).
    public var group = "demo"
    /// The account's leverage (100 means 1:100).
    public var leverage = 100
    /// The account's balance in USD after start or reset.
    public var startingBalance: Decimal = 10_000
    /// The symbols quoted and traded, in the order `TickInfoLast` lists them.
    public var symbols: [CPluginSymbol] = CPluginSymbol.defaults
    /// Interval after which the hub sends a ping when it sent nothing else (`HubOptions.KeepAliveInterval`).
    public var keepAliveInterval: Duration = .seconds(15)
    /// Silence from a client after which the hub closes its connection (`HubOptions.ClientTimeoutInterval`).
    public var clientTimeout: Duration = .seconds(30)
    /// Time a client has to send the hub handshake (`HubOptions.HandshakeTimeout`).
    public var handshakeTimeout: Duration = .seconds(15)
    /// Longest time a withheld response is kept open before the connection is closed anyway.
    public var maxWithheld: Duration = .seconds(300)

    /// Creates the defaults.
    public init() {}

    /// Checks every value.
    public func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidConfiguration, reason: "cplugin." + reason)
        }
        guard (0...65_535).contains(self.port) else { throw fail("port must be in 0...65535") }
        for (name, value) in [("clientID", self.clientID), ("clientSecret", self.clientSecret)] {
            guard !value.isEmpty, value.utf8.count <= 256,
                value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
            else { throw fail("\(name) must be 1...256 printable ASCII characters without spaces") }
        }
        guard (1...315_360_000).contains(self.tokenLifetime) else {
            throw fail("tokenLifetime must be in 1...315360000 seconds")
        }
        guard UUID(uuidString: self.tradePlatform) != nil else { throw fail("tradePlatform must be a GUID") }
        guard self.login > 0 else { throw fail("login must be positive") }
        guard !self.group.isEmpty, self.group.count <= 16, !self.group.contains("/") else {
            throw fail("group must be 1...16 characters without '/'")
        }
        guard (1...10_000).contains(self.leverage) else { throw fail("leverage must be in 1...10000") }
        guard self.startingBalance >= 0, self.startingBalance < 1_000_000_000_000 else {
            throw fail("startingBalance must be in 0..<1e12")
        }
        guard !self.symbols.isEmpty else { throw fail("symbols must not be empty") }
        guard Set(self.symbols.map(\.name)).count == self.symbols.count else {
            throw fail("symbol names must be unique")
        }
        for symbol in self.symbols {
            try symbol.validate()
        }
        for (name, value) in [
            ("keepAliveInterval", self.keepAliveInterval), ("clientTimeout", self.clientTimeout),
            ("handshakeTimeout", self.handshakeTimeout), ("maxWithheld", self.maxWithheld),
        ] where value < .milliseconds(10) || value > .seconds(86_400) {
            throw fail("\(name) must be in 10 ms...24 h")
        }
    }

    /// The platform GUID in .NET's canonical spelling (lower case), as the hub and the API write it.
    var canonicalTradePlatform: String {
        self.tradePlatform.lowercased()
    }

    /// Safe to log: the client secret is redacted.
    public var description: String {
        "CPluginSimulatorConfiguration(port: \(self.port), clientID: \(self.clientID), clientSecret: <redacted>, "
            + "tokenLifetime: \(self.tokenLifetime), tradePlatform: \(self.tradePlatform), login: \(self.login), "
            + "group: \(self.group), leverage: \(self.leverage), startingBalance: \(self.startingBalance), "
            + "symbols: \(self.symbols.map(\.name)))"
    }
}

/// One symbol of the CPlugin venue: its quote precision, lot size and how its profit reaches the USD account.
public struct CPluginSymbol: Sendable, Hashable {
    /// Symbol name (at most 12 characters), for example `EURUSD`.
    public var name: String
    /// Decimal places of prices; every price is rounded to them on the wire.
    public var digits: Int
    /// Units per lot (100 000 for FX, 1 for crypto).
    public var contractSize: Decimal
    /// Mid price the random walk starts from and reverts to.
    public var basePrice: Decimal
    /// Fixed spread (ask − bid).
    public var spread: Decimal
    /// Relative size of one random-walk step.
    public var volatility: Double
    /// `true` when the account currency (USD) is the symbol's base currency (USDJPY): amounts in the quote
    /// currency (profit, notional) are converted to USD by dividing by the price. `false` when the symbol is
    /// quoted in USD (EURUSD, BTCUSD): amounts need no conversion.
    public var accountCurrencyIsBase: Bool

    /// Creates a symbol.
    public init(
        name: String, digits: Int, contractSize: Decimal, basePrice: Decimal, spread: Decimal, volatility: Double,
        accountCurrencyIsBase: Bool = false
    ) {
        (self.name, self.digits, self.contractSize, self.basePrice) = (name, digits, contractSize, basePrice)
        (self.spread, self.volatility, self.accountCurrencyIsBase) = (spread, volatility, accountCurrencyIsBase)
    }

    /// EURUSD (5 digits), USDJPY (3 digits, profit ÷ price), BTCUSD and ETHUSD (2 digits, contract size 1).
    public static let defaults: [CPluginSymbol] = [
        CPluginSymbol(
            name: "EURUSD", digits: 5, contractSize: 100_000, basePrice: Decimal(string: "1.08000")!,
            spread: Decimal(string: "0.00012")!, volatility: 0.00003),
        CPluginSymbol(
            name: "USDJPY", digits: 3, contractSize: 100_000, basePrice: 150, spread: Decimal(string: "0.012")!,
            volatility: 0.00003, accountCurrencyIsBase: true),
        CPluginSymbol(
            name: "BTCUSD", digits: 2, contractSize: 1, basePrice: 60_000, spread: 25, volatility: 0.0002),
        CPluginSymbol(
            name: "ETHUSD", digits: 2, contractSize: 1, basePrice: 3_000, spread: Decimal(string: "1.5")!,
            volatility: 0.0002),
    ]

    func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidConfiguration, reason: "cplugin.symbols[\(self.name)]: " + reason)
        }
        guard !self.name.isEmpty, self.name.count <= 12, !self.name.contains("/") else {
            throw fail("name must be 1...12 characters without '/'")
        }
        guard (0...8).contains(self.digits) else { throw fail("digits must be in 0...8") }
        guard self.contractSize > 0 else { throw fail("contractSize must be positive") }
        guard self.basePrice > 0, self.spread > 0, self.spread < self.basePrice else {
            throw fail("basePrice and spread must be positive, the spread below the price")
        }
        guard self.spread.rounded(scale: self.digits) == self.spread else {
            throw fail("spread must have at most \(self.digits) decimals")
        }
        guard self.volatility.isFinite, (0...0.1).contains(self.volatility) else {
            throw fail("volatility must be in 0...0.1")
        }
    }

    /// The random-walk parameters of the symbol's mid price.
    var walkSpec: RandomWalkSpec {
        RandomWalkSpec(base: self.basePrice, digits: self.digits, volatility: self.volatility)
    }
}
