public import Foundation
public import Logging
public import Messages
public import ServiceSupport
public import VenueKit
import VenueMT4Server
public import VenueCPlugin
public import VenueMagnr
public import VenueDeriv
public import VenueCTrader

/// One configured venue as the services use it: the protocol module (which owns the session and applies the grants)
/// as an order gateway and as a market-data source, its token source, its symbol rules and a reference price for
/// notional checks. Built from the venue file alone: no secret is read, tokens come from grants.
public struct VenueConnection: Sendable {
    /// The venue's configuration.
    public var definition: VenueDefinition
    /// The protocol module's orders.
    public var gateway: any VenueOrderGateway
    /// The protocol module's market data.
    public var marketData: any VenueMarketData
    /// Where the gateway's session tokens come from (fed by ``GrantFeed``).
    public var tokens: GrantTokenSource
    /// Tradable and quote-only symbols.
    public var rules: VenueSymbolRules
    /// The current price of a symbol for `side` (ask to buy, bid to sell), for notional checks of market orders.
    public var referencePrice: @Sendable (_ symbol: String, _ side: OrderSide) async -> Decimal?

    /// Creates a session.
    public init(
        definition: VenueDefinition, gateway: any VenueOrderGateway, marketData: any VenueMarketData,
        tokens: GrantTokenSource, rules: VenueSymbolRules, referencePrice: @escaping @Sendable (String, OrderSide) async -> Decimal?
    ) {
        self.definition = definition
        self.gateway = gateway
        self.marketData = marketData
        self.tokens = tokens
        self.rules = rules
        self.referencePrice = referencePrice
    }
}

/// Builds the venue connections from the venue file.
public enum VenueConnections {
    /// One connection per configured venue.
    /// - Parameter grantWait: how long an order waits for a (new) grant before it is refused as unauthorized.
    public static func make(
        venues: VenueConfigurationFile, requester: RefreshRequester, grantWait: Duration = .seconds(10), logger: Logger
    ) throws -> [String: VenueConnection] {
        var sessions: [String: VenueConnection] = [:]
        for definition in venues.venues {
            sessions[definition.id] = try self.make(definition, requester: requester, grantWait: grantWait, logger: logger)
        }
        return sessions
    }

    /// The connection of one venue.
    public static func make(
        _ definition: VenueDefinition, requester: RefreshRequester, grantWait: Duration, logger: Logger
    ) throws -> VenueConnection {
        switch definition.protocol {
        case .mt4server:
            guard let broker = definition.broker else {
                throw VenueConfigurationError("venue \(definition.id): mt4server needs broker")
            }
            let tokens = requester.tokenSource(venue: definition.id, waitTimeout: grantWait) { material in
                if case .mt4server(let jwt) = material { return jwt }
                return nil
            }
            var configuration = MT4ServerConfiguration(endpoint: definition.endpoint, broker: broker)
            if let rate = definition.limits.requestsPerSecond {
                configuration.requestsPerSecond = rate
                configuration.burst = max(1, Int(rate.rounded(.up)))
            }
            if let timeout = definition.requestTimeout { configuration.requestTimeout = timeout }
            let client = try MT4ServerClient(
                venueID: definition.id, configuration: configuration, tokens: tokens, logger: logger)
            return VenueConnection(
                definition: definition, gateway: client, marketData: client, tokens: tokens, rules: configuration.symbols,
                referencePrice: { symbol, side in
                    guard let quote = try? await client.quotes([symbol]).first(where: { $0.symbol == symbol }) else { return nil }
                    return side == .buy ? quote.ask : quote.bid
                })
        case .cplugin:
            let tokens = requester.tokenSource(venue: definition.id, waitTimeout: grantWait) { material in
                if case .cplugin(let accessToken) = material { return accessToken }
                return nil
            }
            let configuration = try CPluginConfiguration(definition)
            let client = try CPluginClient(venueID: definition.id, configuration: configuration, tokens: tokens, logger: logger)
            return VenueConnection(
                definition: definition, gateway: client, marketData: client, tokens: tokens, rules: configuration.symbols,
                referencePrice: { symbol, side in
                    guard let quote = try? await client.lastQuote(symbol) else { return nil }
                    return side == .buy ? quote.ask : quote.bid
                })
        case .magnr:
            let tokens = requester.tokenSource(venue: definition.id, waitTimeout: grantWait) { material in
                if case .magnr(let publicKey, let privateKey) = material {
                    return MagnrKeys.material(publicKey: publicKey, privateKey: privateKey)
                }
                return nil
            }
            let configuration = try MagnrConfiguration(definition)
            let client = try MagnrClient(venueID: definition.id, configuration: configuration, keys: tokens, logger: logger)
            // No quote endpoint: notional limits cannot be checked at Magnr (the executor refuses such orders).
            return VenueConnection(
                definition: definition, gateway: client, marketData: client, tokens: tokens,
                rules: configuration.symbols, referencePrice: { _, _ in nil })
        case .deriv:
            let tokens = requester.tokenSource(venue: definition.id, waitTimeout: grantWait) { material in
                if case .deriv(let apiToken) = material { return apiToken }
                return nil
            }
            let configuration = try DerivConfiguration(definition)
            let client = try DerivClient(venueID: definition.id, configuration: configuration, tokens: tokens, logger: logger)
            // The quantity is a stake in the account currency: there is no price to multiply for a notional check
            // (maxQuantity caps the stake).
            return VenueConnection(
                definition: definition, gateway: client, marketData: client, tokens: tokens,
                rules: configuration.symbols, referencePrice: { _, _ in nil })
        case .ctrader:
            let configuration = try CTraderConfiguration(definition)
            let tokens = requester.tokenSource(venue: definition.id, waitTimeout: grantWait) { material in
                guard case .ctrader(let clientID, let clientSecret, let accessToken, let accountID) = material,
                    accountID == configuration.accountID
                else { return nil }
                return CTraderCredentials.material(clientID: clientID, clientSecret: clientSecret, accessToken: accessToken)
            }
            let client = try CTraderClient(venueID: definition.id, configuration: configuration, tokens: tokens, logger: logger)
            return VenueConnection(
                definition: definition, gateway: client, marketData: client, tokens: tokens, rules: configuration.symbols,
                referencePrice: { symbol, side in
                    guard let quote = await client.currentQuote(symbol) else { return nil }
                    return side == .buy ? quote.ask : quote.bid
                })
        }
    }
}

extension CTraderConfiguration {
    /// The protocol module's settings for a `ctrader` venue of the venue file.
    public init(_ definition: VenueDefinition) throws(VenueConfigurationError) {
        guard let settings = definition.ctrader else {
            throw VenueConfigurationError("venue \(definition.id): ctrader needs a ctrader object")
        }
        self.init(endpoint: definition.endpoint, accountID: settings.accountId)
        if let label = settings.label { self.label = label }
        if !definition.symbols.isEmpty { self.symbols = VenueSymbolRules(tradable: Set(definition.symbols), quoteOnly: []) }
        if let rate = definition.limits.requestsPerSecond { self.requestsPerSecond = max(1, Int(rate)) }
        if let timeout = definition.requestTimeout { self.requestTimeout = timeout }
        do {
            try self.validate()
        } catch {
            throw VenueConfigurationError("venue \(definition.id): \(error.reason)")
        }
    }
}

extension MagnrConfiguration {
    /// The protocol module's settings for a `magnr` venue of the venue file.
    public init(_ definition: VenueDefinition) throws(VenueConfigurationError) {
        guard let settings = definition.magnr else {
            throw VenueConfigurationError("venue \(definition.id): magnr needs a magnr object")
        }
        self.init(endpoint: definition.endpoint)
        if let exchange = settings.exchange { self.exchange = exchange }
        if let leverage = settings.leverage { self.leverage = leverage }
        self.stopMargin = settings.stopMargin
        self.take = settings.take
        if !definition.symbols.isEmpty {
            self.symbols = VenueSymbolRules(tradable: Set(definition.symbols).intersection(Self.pairs), quoteOnly: [])
        }
        if let rate = definition.limits.requestsPerSecond {
            self.requestsPerSecond = rate
            self.burst = max(1, Int(rate.rounded(.up)))
        }
        if let timeout = definition.requestTimeout { self.requestTimeout = timeout }
    }
}

extension DerivConfiguration {
    /// The protocol module's settings for a `deriv` venue of the venue file.
    public init(_ definition: VenueDefinition) throws(VenueConfigurationError) {
        self.init(endpoint: definition.endpoint, appID: definition.deriv?.appId ?? 1089)
        if let settings = definition.deriv {
            self.language = settings.language
            if let currency = settings.currency { self.currency = currency }
            if let multiplier = settings.multiplier { self.multiplier = multiplier }
            self.multipliers = settings.multipliers ?? [:]
        }
        if !definition.symbols.isEmpty { self.symbols = VenueSymbolRules(tradable: Set(definition.symbols), quoteOnly: []) }
        if let timeout = definition.requestTimeout { self.requestTimeout = timeout }
        do {
            try self.validate()
        } catch {
            throw VenueConfigurationError("venue \(definition.id): \(error.reason)")
        }
    }
}

extension CPluginConfiguration {
    /// The protocol module's settings for a `cplugin` venue of the venue file.
    public init(_ definition: VenueDefinition) throws(VenueConfigurationError) {
        guard let settings = definition.cplugin else {
            throw VenueConfigurationError("venue \(definition.id): cplugin needs a cplugin object")
        }
        self.init(
            endpoint: definition.endpoint, authEndpoint: settings.authEndpoint, tradePlatform: settings.tradePlatform,
            login: settings.login, clientID: settings.clientId)
        self.group = settings.group
        if let negotiate = settings.negotiate { self.negotiate = negotiate }
        self.symbols = VenueSymbolRules(tradable: Set(definition.symbols), quoteOnly: [])
        if let rate = definition.limits.requestsPerSecond {
            self.requestsPerSecond = rate
            self.burst = max(1, Int(rate.rounded(.up)))
        }
        if let timeout = definition.requestTimeout { self.requestTimeout = timeout }
    }
}
