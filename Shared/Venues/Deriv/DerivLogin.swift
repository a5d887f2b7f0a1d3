import Foundation
public import Logging
public import VenueKit

/// What the auth-token-broker does for a Deriv venue: Deriv API tokens do not expire and have no refresh call
/// (protocols.md §4.1), so "logging in" means proving the token still works — `authorize` on a short-lived session —
/// before it is granted to the services, and again whenever a service reports it refused.
public enum DerivLogin {
    /// The account a token opens.
    public struct Account: Sendable, Hashable {
        /// The venue's login id (`VRTC…`, `CR…`).
        public var loginID: String
        /// The account currency.
        public var currency: String
        /// The token's scopes.
        public var scopes: Set<String>
    }

    /// Authorizes `apiToken` once and closes the connection.
    ///
    /// - Throws: `unauthorized` when the venue refuses the token (it was revoked: retrying will not help),
    ///   `unreachable`/`timeout` when the venue could not be asked (transient).
    public static func verify(
        configuration: DerivConfiguration, apiToken: VenueSecret, venueID: String = "deriv", logger: Logger
    ) async throws(VenueError) -> Account {
        try configuration.validate()
        let tokens = VenueTokenCache { () async throws(VenueError) in (apiToken, nil) }
        let session = DerivSession(configuration: configuration, tokens: tokens, venueID: venueID, logger: logger)
        defer { session.shutdown() }
        do {
            let authorization = try await session.authorization()
            return Account(loginID: authorization.loginID, currency: authorization.currency, scopes: authorization.scopes)
        } catch {
            switch error {
            case .notSent(let why):
                throw VenueError(.unreachable, venue: venueID, reason: "authorize not sent: \(why)")
            case .noAnswer(let why):
                throw VenueError(.timeout, venue: venueID, reason: "authorize: \(why)")
            case .refused(let refusal) where refusal.code == "InvalidToken":
                throw VenueError(.unauthorized, venue: venueID, reason: "the venue refused the API token")
            case .refused(let refusal):
                throw VenueError(.rejected, venue: venueID, reason: "authorize refused: \(refusal.code)")
            }
        }
    }
}
