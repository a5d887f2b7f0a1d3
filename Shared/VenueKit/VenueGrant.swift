public import Foundation
public import Messages

/// The long-lived secret a venue issues to Tradewire. Only the auth-token-broker ever holds these.
public enum VenueCredentials: Sendable, Hashable {
    /// MT4Server: the API key posted to `/token`.
    case mt4server(apiKey: VenueSecret)
    /// CPlugin WebAPI: OAuth2 client credentials.
    case cplugin(clientID: String, clientSecret: VenueSecret)
    /// Magnr: the HMAC key pair (the private key signs every request).
    case magnr(publicKey: String, privateKey: VenueSecret)
    /// Deriv: an API token with scopes.
    case deriv(apiToken: VenueSecret)
    /// cTrader: application credentials and the account's rotating refresh token.
    case ctrader(clientID: String, clientSecret: VenueSecret, refreshToken: VenueSecret, accountID: Int64)

    /// The protocol these credentials belong to.
    public var venueProtocol: VenueProtocol {
        switch self {
        case .mt4server: .mt4server
        case .cplugin: .cplugin
        case .magnr: .magnr
        case .deriv: .deriv
        case .ctrader: .ctrader
        }
    }
}

/// What a session needs to trade, as the auth-token-broker publishes it (sealed) in a `TokenGrant`.
///
/// Short-lived session material where the protocol has it (MT4Server JWT, CPlugin bearer, cTrader access token);
/// the signing key itself where every request must be signed (Magnr) or the token is the session (Deriv).
public struct VenueSessionGrant: Sendable, Hashable, Codable {
    /// The session material per protocol.
    public enum Material: Sendable, Hashable, Codable {
        /// MT4Server: the JWT for the `Authorization` header (no `Bearer`).
        case mt4server(jwt: VenueSecret)
        /// CPlugin: the OAuth2 bearer token.
        case cplugin(accessToken: VenueSecret)
        /// Magnr: the key pair, so the executor signs each request itself.
        case magnr(publicKey: String, privateKey: VenueSecret)
        /// Deriv: the API token sent in `authorize`.
        case deriv(apiToken: VenueSecret)
        /// cTrader: application credentials (for application auth) and the account's access token.
        case ctrader(clientID: String, clientSecret: VenueSecret, accessToken: VenueSecret, accountID: Int64)

        /// The protocol the material belongs to.
        public var venueProtocol: VenueProtocol {
            switch self {
            case .mt4server: .mt4server
            case .cplugin: .cplugin
            case .magnr: .magnr
            case .deriv: .deriv
            case .ctrader: .ctrader
            }
        }
    }

    /// Venue id.
    public var venue: String
    /// Monotonic grant version (a newer grant replaces an older one; a rollback is refused).
    public var version: Int
    /// The session material.
    public var material: Material
    /// When the material was issued.
    public var issuedAt: Date
    /// When the material stops working, if it expires.
    public var expiresAt: Date?

    /// Creates a grant.
    public init(venue: String, version: Int, material: Material, issuedAt: Date, expiresAt: Date?) {
        self.venue = venue
        self.version = version
        self.material = material
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
