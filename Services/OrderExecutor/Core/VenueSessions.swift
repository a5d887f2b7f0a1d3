public import Foundation
public import Logging
public import Messages
public import ServiceRuntime
public import ServiceSupport
public import VenueKit
import VenueMT4Server

/// One configured venue as the executor uses it: the protocol module's gateway (which owns the session and applies
/// the grants), its token source, its symbol rules and a reference price for notional checks.
public struct VenueSession: Sendable {
    /// The venue's configuration.
    public var definition: VenueDefinition
    /// The protocol module.
    public var gateway: any VenueOrderGateway
    /// Where the gateway's session tokens come from (fed by ``GrantFeed``).
    public var tokens: GrantTokenSource
    /// Tradable and quote-only symbols.
    public var rules: VenueSymbolRules
    /// The current price of a symbol for `side` (ask to buy, bid to sell), for notional checks of market orders.
    public var referencePrice: @Sendable (_ symbol: String, _ side: OrderSide) async -> Decimal?

    /// Creates a session.
    public init(
        definition: VenueDefinition, gateway: any VenueOrderGateway, tokens: GrantTokenSource, rules: VenueSymbolRules,
        referencePrice: @escaping @Sendable (String, OrderSide) async -> Decimal?
    ) {
        self.definition = definition
        self.gateway = gateway
        self.tokens = tokens
        self.rules = rules
        self.referencePrice = referencePrice
    }
}

/// Builds the executor's venue sessions from the venue file. No secret is read: tokens come from grants.
public enum VenueSessions {
    /// One session per configured venue.
    /// - Parameter grantWait: how long an order waits for a (new) grant before it is refused as unauthorized.
    public static func make(
        venues: VenueConfigurationFile, requester: RefreshRequester, grantWait: Duration = .seconds(10), logger: Logger
    ) throws -> [String: VenueSession] {
        var sessions: [String: VenueSession] = [:]
        for definition in venues.venues {
            sessions[definition.id] = try self.make(definition, requester: requester, grantWait: grantWait, logger: logger)
        }
        return sessions
    }

    static func make(
        _ definition: VenueDefinition, requester: RefreshRequester, grantWait: Duration, logger: Logger
    ) throws -> VenueSession {
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
            return VenueSession(
                definition: definition, gateway: client, tokens: tokens, rules: configuration.symbols,
                referencePrice: { symbol, side in
                    guard let quote = try? await client.quotes([symbol]).first(where: { $0.symbol == symbol }) else { return nil }
                    return side == .buy ? quote.ask : quote.bid
                })
        default:
            throw VenueConfigurationError("venue \(definition.id): protocol \(definition.protocol.rawValue) is not supported yet")
        }
    }
}
