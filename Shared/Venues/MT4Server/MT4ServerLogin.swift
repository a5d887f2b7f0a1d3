import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import VenueKit

/// MT4Server's login: `POST /token` with the raw API key returns a JWT as text (protocols.md §1.3 #2).
///
/// Used by the auth-token-broker (which holds the key) and by tests. A wrong key is answered with **500**, which is
/// reported as `unauthorized` and never retried in a loop by the caller.
public enum MT4ServerLogin {
    /// A token cache that logs in with `apiKey` and re-logs in before `exp` (when the JWT has one) or when rejected.
    public static func tokenCache(
        configuration: MT4ServerConfiguration, apiKey: VenueSecret, http: VenueHTTP = VenueHTTP()
    ) -> VenueTokenCache {
        VenueTokenCache(refreshMargin: configuration.tokenRefreshMargin) { () async throws(VenueError) in
            try await self.login(configuration: configuration, apiKey: apiKey, http: http)
        }
    }

    /// Performs one login and returns the JWT and its expiry, if it has one.
    public static func login(
        configuration: MT4ServerConfiguration, apiKey: VenueSecret, http: VenueHTTP = VenueHTTP()
    ) async throws(VenueError) -> (VenueSecret, Date?) {
        let venue = configuration.broker
        var request = HTTPClientRequest(url: configuration.endpoint.appendingPathComponent("token").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain")
        request.body = .bytes(ByteBuffer(string: apiKey.value))
        let response: VenueHTTPResponse
        do {
            response = try await http.execute(request, timeout: configuration.requestTimeout)
        } catch {
            let code: VenueError.Code = if case .notSent = error { .unreachable } else { .timeout }
            throw VenueError(code, venue: venue, reason: "login: \(error.reason)")
        }
        switch response.status {
        case 200:
            let jwt = response.body.trimmingCharacters(in: .whitespacesAndNewlines)
            guard jwt.split(separator: ".").count == 3 else {
                throw VenueError(.invalidResponse, venue: venue, reason: "login: the answer is not a JWT")
            }
            return (VenueSecret(jwt), JWTClaims.expiry(of: jwt))
        case 500:
            // MT4Server answers a wrong API key with 500 (not 401).
            throw VenueError(.unauthorized, venue: venue, reason: "login refused (HTTP 500: wrong API key or venue failure)")
        default:
            throw VenueError(.venueFailure, venue: venue, reason: "login: HTTP \(response.status)")
        }
    }
}
