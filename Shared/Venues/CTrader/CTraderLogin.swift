public import Foundation
import Messages
public import Logging
public import VenueKit

/// What the auth-token-broker does for a cTrader account (protocols.md §5.2): refresh the access token in-band
/// (2173 `ProtoOARefreshTokenReq` → 2174) on an application-authenticated connection. The refresh token is single
/// use: the answer carries its successor, which the caller must store durably before doing anything else.
public enum CTraderLogin {
    /// A refreshed token set.
    public struct Tokens: Sendable {
        /// The new access token (about 30 days).
        public var accessToken: VenueSecret
        /// The successor of the refresh token just used (the old one is dead now).
        public var refreshToken: VenueSecret
        /// When the access token expires.
        public var expiresAt: Date
    }

    /// Refreshes with `refreshToken` and returns the new tokens.
    ///
    /// - Throws: `unauthorized` when the venue refuses the application or the refresh token (it was used already or
    ///   the user revoked access: retrying will not help), `unreachable`/`timeout` when the venue could not be asked.
    ///   On `timeout` the venue may have rotated the token: the caller cannot know, and must not retry blindly with
    ///   a token it believes spent — it may retry with the same one, which the venue refuses if it was spent.
    public static func refresh(
        configuration: CTraderConfiguration, clientID: String, clientSecret: VenueSecret, refreshToken: VenueSecret,
        venueID: String = "ctrader", logger: Logger
    ) async throws(VenueError) -> Tokens {
        try configuration.validate()
        let credentials = CTraderCredentials.source(clientID: clientID, clientSecret: clientSecret, accessToken: VenueSecret(""))
        let session = CTraderSession(configuration: configuration, tokens: credentials, authenticatesAccount: false, logger: logger)
        defer { session.shutdown() }
        let frame: CTraderFrame
        do {
            frame = try await session.call(CTraderPayload.refreshTokenReq, ["refreshToken": .string(refreshToken.value)])
        } catch {
            switch error {
            case .notSent(let why): throw VenueError(.unreachable, venue: venueID, reason: "refresh not sent: \(why)")
            case .noAnswer(let why): throw VenueError(.timeout, venue: venueID, reason: "refresh: \(why)")
            case .refused(let refusal):
                throw VenueError(.unauthorized, venue: venueID, reason: "the venue refused the refresh: \(refusal.errorCode)")
            }
        }
        guard frame.payloadType == CTraderPayload.refreshTokenRes,
            let access = frame.payload[member: "accessToken"]?.stringValue, !access.isEmpty,
            let next = frame.payload[member: "refreshToken"]?.stringValue, !next.isEmpty
        else {
            throw VenueError(.invalidResponse, venue: venueID, reason: "the refresh answer lacks a token")
        }
        let lifetime = frame.payload[member: "expiresIn"]?.integerValue ?? 2_628_000
        return Tokens(
            accessToken: VenueSecret(access), refreshToken: VenueSecret(next),
            expiresAt: Date().addingTimeInterval(TimeInterval(lifetime)))
    }
}
