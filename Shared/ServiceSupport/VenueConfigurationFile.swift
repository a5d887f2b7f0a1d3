public import Foundation
public import Messages
public import VenueKit

/// The venue configuration file (JSON) shared by the services. Only the auth-token-broker resolves secrets.
///
/// ```json
/// { "venues": [ {
///     "id": "mt4-demo", "protocol": "mt4server", "endpoint": "http://127.0.0.1:8801", "broker": "demo",
///     "symbols": ["BTCUSD", "ETHUSD"],
///     "limits": { "maxQuantity": "10", "maxNotional": "1000000", "requestsPerSecond": 20 },
///     "secrets": { "apiKey": { "env": "MT4_DEMO_API_KEY" } }
/// } ] }
/// ```
/// - `id`: `^[a-z0-9][a-z0-9._-]{0,63}$`, unique. `protocol`: `mt4server`, `cplugin`, `magnr`, `deriv` or `ctrader`.
/// - `endpoint`: the venue's base URL. `broker`: MT4Server broker id.
/// - `cplugin` (CPlugin venues): `{"tradePlatform": GUID, "login": 1001, "clientId": "…", "group": "demo",
///   "authEndpoint": URL, "negotiate": true}` — `group` (default: read with `UserRecordGet`), `authEndpoint` (default:
///   `endpoint`) and `negotiate` optional; `symbols` must be listed; the client secret is `secrets.clientSecret`.
/// - `magnr` (Magnr venues): `{"publicKey": "…", "exchange": "Bitstamp", "leverage": 10, "stopMargin": "250",
///   "take": "500"}` — only `publicKey` required; the private key is `secrets.privateKey`.
/// - `deriv` (Deriv venues, optional): `{"appId": 1089, "language": "EN", "currency": "USD", "multiplier": 100,
///   "multipliers": {"R_50": 200}}` — all optional (defaults: app id 1089, no language, USD, multiplier 100, no
///   per-symbol multipliers); the API token is `secrets.apiToken`.
///   `endpoint` is the WebSocket base URL (`wss://ws.derivws.com`); quantities are stakes in the account currency.
/// - `ctrader` (cTrader venues): `{"clientId": "…", "accountId": 1000001, "label": "tradewire"}` — `label` optional;
///   the application secret is `secrets.clientSecret` and the account's (initial) refresh token
///   `secrets.refreshToken`; `endpoint` is the JSON WebSocket (`wss://live.ctraderapi.com:5036`); quantities are units.
/// - `symbols` (optional): the symbols Tradewire uses at this venue (default: all the venue publishes).
/// - `limits` (optional): decimals as strings; `requestsPerSecond` a number.
/// - `requestTimeoutMs` (optional): deadline of one venue request (default: the protocol module's, 10 s for MT4Server).
/// - `secrets`: each secret is `{"env": "NAME"}` or `{"file": "/run/secrets/name"}` — never the value itself.
public struct VenueConfigurationFile: Sendable, Hashable, Decodable {
    /// The configured venues.
    public var venues: [VenueDefinition]

    /// Reads and validates the file.
    public static func load(from url: URL) throws(VenueConfigurationError) -> VenueConfigurationFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VenueConfigurationError("cannot read \(url.path)")
        }
        return try self.parse(data)
    }

    /// Parses and validates file contents.
    public static func parse(_ data: Data) throws(VenueConfigurationError) -> VenueConfigurationFile {
        let file: VenueConfigurationFile
        do {
            file = try JSONDecoder().decode(VenueConfigurationFile.self, from: data)
        } catch let error as DecodingError {
            throw VenueConfigurationError("invalid venue file: \(MessageError(decoding: error).description)")
        } catch {
            throw VenueConfigurationError("invalid venue file")
        }
        try file.validate()
        return file
    }

    /// Checks ids, uniqueness and per-protocol requirements.
    public func validate() throws(VenueConfigurationError) {
        var seen: Set<String> = []
        for venue in self.venues {
            guard venue.id.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
                throw VenueConfigurationError("venue id \(venue.id) must match ^[a-z0-9][a-z0-9._-]{0,63}$")
            }
            guard seen.insert(venue.id).inserted else { throw VenueConfigurationError("venue id \(venue.id) appears twice") }
            switch venue.protocol {
            case .mt4server:
                guard venue.broker != nil else { throw VenueConfigurationError("venue \(venue.id): mt4server needs broker") }
                guard venue.secrets["apiKey"] != nil else {
                    throw VenueConfigurationError("venue \(venue.id): mt4server needs secrets.apiKey")
                }
            case .cplugin:
                guard let settings = venue.cplugin else {
                    throw VenueConfigurationError("venue \(venue.id): cplugin needs a cplugin object (tradePlatform, login, clientId)")
                }
                try settings.validate(venue: venue.id)
                guard !venue.symbols.isEmpty else {
                    throw VenueConfigurationError("venue \(venue.id): cplugin needs the symbols it trades and quotes")
                }
                guard venue.secrets["clientSecret"] != nil else {
                    throw VenueConfigurationError("venue \(venue.id): cplugin needs secrets.clientSecret")
                }
            case .magnr:
                guard let settings = venue.magnr else {
                    throw VenueConfigurationError("venue \(venue.id): magnr needs a magnr object (publicKey)")
                }
                try settings.validate(venue: venue.id)
                guard venue.secrets["privateKey"] != nil else {
                    throw VenueConfigurationError("venue \(venue.id): magnr needs secrets.privateKey")
                }
            case .deriv:
                try venue.deriv?.validate(venue: venue.id)
                guard venue.secrets["apiToken"] != nil else {
                    throw VenueConfigurationError("venue \(venue.id): deriv needs secrets.apiToken")
                }
            case .ctrader:
                guard let settings = venue.ctrader else {
                    throw VenueConfigurationError("venue \(venue.id): ctrader needs a ctrader object (clientId, accountId)")
                }
                try settings.validate(venue: venue.id)
                guard venue.secrets["clientSecret"] != nil, venue.secrets["refreshToken"] != nil else {
                    throw VenueConfigurationError("venue \(venue.id): ctrader needs secrets.clientSecret and secrets.refreshToken")
                }
            }
            if let rate = venue.limits.requestsPerSecond, rate <= 0 {
                throw VenueConfigurationError("venue \(venue.id): requestsPerSecond must be positive")
            }
        }
    }

    /// The venue with this id.
    public func venue(_ id: String) -> VenueDefinition? { self.venues.first { $0.id == id } }
}

/// One configured venue: one account at one protocol.
public struct VenueDefinition: Sendable, Hashable, Decodable {
    /// Venue id (Kafka key, command `venue`).
    public var id: String
    /// The protocol.
    public var `protocol`: VenueProtocol
    /// The venue's base URL.
    public var endpoint: URL
    /// MT4Server broker id.
    public var broker: String?
    /// Symbols used at this venue; empty means all the venue publishes.
    public var symbols: [String]
    /// Pre-trade limits.
    public var limits: VenueLimits
    /// Where each secret comes from (by name: `apiKey`, `clientSecret`, …).
    public var secrets: [String: SecretReference]
    /// Deadline of one venue request (`requestTimeoutMs`); the protocol module's default when absent.
    public var requestTimeout: Duration?
    /// CPlugin settings (trade platform, login, OAuth client id).
    public var cplugin: CPluginSettings?
    /// Magnr settings (public key, order defaults).
    public var magnr: MagnrSettings?
    /// Deriv settings (app id, currency, default multiplier).
    public var deriv: DerivSettings?
    /// cTrader settings (application id, trading account).
    public var ctrader: CTraderSettings?

    private enum CodingKeys: String, CodingKey {
        case id, `protocol`, endpoint, broker, symbols, limits, secrets, requestTimeoutMs, cplugin, magnr, deriv, ctrader
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(String.self, forKey: .id)
        let protocolName = try container.decode(String.self, forKey: .protocol)
        guard let venueProtocol = VenueProtocol(rawValue: protocolName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .protocol, in: container,
                debugDescription: "must be one of \(VenueProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.protocol = venueProtocol
        self.endpoint = try container.decode(URL.self, forKey: .endpoint)
        self.broker = try container.decodeIfPresent(String.self, forKey: .broker)
        self.symbols = try container.decodeIfPresent([String].self, forKey: .symbols) ?? []
        self.limits = try container.decodeIfPresent(VenueLimits.self, forKey: .limits) ?? VenueLimits()
        self.secrets = try container.decodeIfPresent([String: SecretReference].self, forKey: .secrets) ?? [:]
        self.cplugin = try container.decodeIfPresent(CPluginSettings.self, forKey: .cplugin)
        self.magnr = try container.decodeIfPresent(MagnrSettings.self, forKey: .magnr)
        self.deriv = try container.decodeIfPresent(DerivSettings.self, forKey: .deriv)
        self.ctrader = try container.decodeIfPresent(CTraderSettings.self, forKey: .ctrader)
        if let milliseconds = try container.decodeIfPresent(Int.self, forKey: .requestTimeoutMs) {
            guard (1...600_000).contains(milliseconds) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .requestTimeoutMs, in: container, debugDescription: "must be 1 to 600000 milliseconds")
            }
            self.requestTimeout = .milliseconds(milliseconds)
        }
    }
}

/// The `cplugin` object of a CPlugin venue.
public struct CPluginSettings: Sendable, Hashable, Decodable {
    /// The trade platform (MT4 server) GUID.
    public var tradePlatform: String
    /// The MT4 login traded.
    public var login: Int32
    /// The OAuth2 client id (the secret is `secrets.clientSecret`).
    public var clientId: String
    /// The login's group; read from the venue when absent.
    public var group: String?
    /// Base URL of the identity server; the venue endpoint when absent.
    public var authEndpoint: URL?
    /// Whether the hub connection negotiates first (default true).
    public var negotiate: Bool?

    func validate(venue: String) throws(VenueConfigurationError) {
        guard UUID(uuidString: self.tradePlatform) != nil else {
            throw VenueConfigurationError("venue \(venue): cplugin.tradePlatform must be a GUID")
        }
        guard self.login > 0 else { throw VenueConfigurationError("venue \(venue): cplugin.login must be positive") }
        guard !self.clientId.isEmpty else { throw VenueConfigurationError("venue \(venue): cplugin.clientId must not be empty") }
        if let group = self.group, group.isEmpty || group.count > 16 {
            throw VenueConfigurationError("venue \(venue): cplugin.group must be 1 to 16 characters")
        }
    }
}

/// The `magnr` object of a Magnr venue.
public struct MagnrSettings: Sendable, Hashable, Decodable {
    /// The API public key (the private key is `secrets.privateKey`).
    public var publicKey: String
    /// Default exchange of an order (`Bitstamp`, `ItBit`, `Bitfinex`, `LOCAL`).
    public var exchange: String?
    /// Default leverage (10, 5 or 2).
    public var leverage: Int?
    /// Default stop margin in USD.
    public var stopMargin: Decimal?
    /// Default take-profit distance in USD.
    public var take: Decimal?

    private enum CodingKeys: String, CodingKey { case publicKey, exchange, leverage, stopMargin, take }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.publicKey = try container.decode(String.self, forKey: .publicKey)
        self.exchange = try container.decodeIfPresent(String.self, forKey: .exchange)
        self.leverage = try container.decodeIfPresent(Int.self, forKey: .leverage)
        self.stopMargin = try VenueLimits.decimal(container, .stopMargin)
        self.take = try VenueLimits.decimal(container, .take)
    }

    func validate(venue: String) throws(VenueConfigurationError) {
        guard !self.publicKey.isEmpty, !self.publicKey.contains(":") else {
            throw VenueConfigurationError("venue \(venue): magnr.publicKey must be non-empty and without ':'")
        }
        if let exchange = self.exchange, !["Bitstamp", "ItBit", "Bitfinex", "LOCAL"].contains(exchange) {
            throw VenueConfigurationError("venue \(venue): magnr.exchange must be Bitstamp, ItBit, Bitfinex or LOCAL")
        }
        if let leverage = self.leverage, ![10, 5, 2].contains(leverage) {
            throw VenueConfigurationError("venue \(venue): magnr.leverage must be 10, 5 or 2")
        }
    }
}

/// The `deriv` object of a Deriv venue.
public struct DerivSettings: Sendable, Hashable, Decodable {
    /// The registered application id (`app_id`).
    public var appId: Int?
    /// Language of the venue's messages (`l=`).
    public var language: String?
    /// The account currency (stakes are in it).
    public var currency: String?
    /// Multiplier of orders without `extensions.deriv.multiplier`.
    public var multiplier: Decimal?
    /// Per-symbol multipliers (over `multiplier`).
    public var multipliers: [String: Decimal]?

    private enum CodingKeys: String, CodingKey { case appId, language, currency, multiplier, multipliers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.appId = try container.decodeIfPresent(Int.self, forKey: .appId)
        self.language = try container.decodeIfPresent(String.self, forKey: .language)
        self.currency = try container.decodeIfPresent(String.self, forKey: .currency)
        self.multiplier = try container.decodeIfPresent(Decimal.self, forKey: .multiplier)
        self.multipliers = try container.decodeIfPresent([String: Decimal].self, forKey: .multipliers)
    }

    func validate(venue: String) throws(VenueConfigurationError) {
        if let appId = self.appId, appId <= 0 { throw VenueConfigurationError("venue \(venue): deriv.appId must be positive") }
        if let language = self.language, language.range(of: "^[A-Za-z_]{2,5}$", options: .regularExpression) == nil {
            throw VenueConfigurationError("venue \(venue): deriv.language must be a language code such as EN")
        }
        if let currency = self.currency, currency.range(of: "^[A-Z]{3,4}$", options: .regularExpression) == nil {
            throw VenueConfigurationError("venue \(venue): deriv.currency must be an ISO code such as USD")
        }
        if let multiplier = self.multiplier, multiplier <= 0 {
            throw VenueConfigurationError("venue \(venue): deriv.multiplier must be positive")
        }
        if let multipliers = self.multipliers, multipliers.values.contains(where: { $0 <= 0 }) {
            throw VenueConfigurationError("venue \(venue): deriv.multipliers must be positive")
        }
    }
}

/// The `ctrader` object of a cTrader venue.
public struct CTraderSettings: Sendable, Hashable, Decodable {
    /// The Open API application's client id (its secret is `secrets.clientSecret`).
    public var clientId: String
    /// The trading account (`ctidTraderAccountId`, not the login shown to users).
    public var accountId: Int64
    /// Label put on every order (default `tradewire`).
    public var label: String?

    func validate(venue: String) throws(VenueConfigurationError) {
        guard !self.clientId.isEmpty else { throw VenueConfigurationError("venue \(venue): ctrader.clientId must not be empty") }
        guard self.accountId > 0 else { throw VenueConfigurationError("venue \(venue): ctrader.accountId must be positive") }
        if let label = self.label, label.isEmpty || label.count > 100 {
            throw VenueConfigurationError("venue \(venue): ctrader.label must be 1 to 100 characters")
        }
    }
}

/// Pre-trade limits of a venue.
public struct VenueLimits: Sendable, Hashable, Decodable {
    /// Largest quantity of one order.
    public var maxQuantity: Decimal?
    /// Largest notional (quantity × price) of one order.
    public var maxNotional: Decimal?
    /// Outbound requests per second.
    public var requestsPerSecond: Double?

    /// No limits.
    public init() {}

    private enum CodingKeys: String, CodingKey { case maxQuantity, maxNotional, requestsPerSecond }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.maxQuantity = try Self.decimal(container, .maxQuantity)
        self.maxNotional = try Self.decimal(container, .maxNotional)
        self.requestsPerSecond = try container.decodeIfPresent(Double.self, forKey: .requestsPerSecond)
    }

    static func decimal<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Decimal? {
        guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), value > 0,
            text.allSatisfy({ $0.isNumber || $0 == "." })
        else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "must be a positive decimal string")
        }
        return value
    }
}

/// Where a secret lives: an environment variable or a file (Docker/Kubernetes secrets). Never the value.
public enum SecretReference: Sendable, Hashable, Decodable {
    /// `{"env": "NAME"}`.
    case environment(String)
    /// `{"file": "/run/secrets/name"}`.
    case file(String)

    private enum CodingKeys: String, CodingKey { case env, file }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let name = try container.decodeIfPresent(String.self, forKey: .env) {
            self = .environment(name)
        } else if let path = try container.decodeIfPresent(String.self, forKey: .file) {
            self = .file(path)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a secret is {\"env\": NAME} or {\"file\": PATH}"))
        }
    }

    /// Reads the secret (trailing newlines of files are dropped).
    /// - Throws: ``VenueConfigurationError`` naming where it looked, never the value.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws(VenueConfigurationError)
        -> VenueSecret
    {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw VenueConfigurationError("secret environment variable \(name) is not set")
            }
            return VenueSecret(value)
        case .file(let path):
            guard let value = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw VenueConfigurationError("cannot read secret file \(path)")
            }
            let trimmed = value.trimmingCharacters(in: .newlines)
            guard !trimmed.isEmpty else { throw VenueConfigurationError("secret file \(path) is empty") }
            return VenueSecret(trimmed)
        }
    }
}

/// A configuration problem, reported at startup. Never contains secret values.
public struct VenueConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var reason: String
    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "VenueConfigurationError: \(self.reason)" }
}
