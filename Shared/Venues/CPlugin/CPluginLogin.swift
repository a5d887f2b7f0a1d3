import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import VenueKit

/// CPlugin's identity server: OAuth2 client credentials at `{auth}/connect/token` (protocols.md §2.2, cpl-auth).
///
/// The form body carries `grant_type=client_credentials&scope=webapi&client_id=…&client_secret=…`; the answer is
/// `{"access_token", "expires_in", "token_type": "Bearer"}`. There is no refresh token: a new token is fetched before
/// expiry (``tokenCache(configuration:clientSecret:http:)`` does so 60 s ahead, single-flight, and at once when a
/// request is answered 401). Used by the auth-token-broker, which alone holds the client secret, and by tests.
public enum CPluginLogin {
    /// A token cache that fetches tokens with the client credentials and renews them ahead of expiry or on 401.
    public static func tokenCache(
        configuration: CPluginConfiguration, clientSecret: VenueSecret, http: VenueHTTP = VenueHTTP()
    ) -> VenueTokenCache {
        VenueTokenCache(refreshMargin: configuration.tokenRefreshMargin) { () async throws(VenueError) in
            try await self.login(configuration: configuration, clientSecret: clientSecret, http: http)
        }
    }

    /// Performs one token request and returns the bearer token and its expiry.
    ///
    /// - Throws: `unauthorized` when the identity server refuses the client (`invalid_client`,
    ///   `unauthorized_client`, `invalid_scope`), `unreachable`/`timeout` on transport failures, `venueFailure`
    ///   for other answers. The error never contains the secret or the token.
    public static func login(
        configuration: CPluginConfiguration, clientSecret: VenueSecret, http: VenueHTTP = VenueHTTP()
    ) async throws(VenueError) -> (VenueSecret, Date?) {
        let venue = "cplugin:\(configuration.login)"
        var request = HTTPClientRequest(url: configuration.tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let form = [
            ("grant_type", "client_credentials"), ("scope", "webapi"), ("client_id", configuration.clientID),
            ("client_secret", clientSecret.value),
        ]
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        let started = Date()
        let response: VenueHTTPResponse
        do {
            response = try await http.execute(request, timeout: configuration.requestTimeout)
        } catch {
            let code: VenueError.Code = if case .notSent = error { .unreachable } else { .timeout }
            throw VenueError(code, venue: venue, reason: "token request: \(error.reason)")
        }
        let body = try? JSONDecoder().decode(TokenAnswer.self, from: Data(response.body.utf8))
        switch response.status {
        case 200:
            guard let body, let token = body.accessToken, !token.isEmpty else {
                throw VenueError(.invalidResponse, venue: venue, reason: "token response without access_token")
            }
            if let type = body.tokenType, type.lowercased() != "bearer" {
                throw VenueError(.invalidResponse, venue: venue, reason: "token type \(type) is not Bearer")
            }
            let expiresAt = body.expiresIn.map { started.addingTimeInterval(TimeInterval($0)) }
            return (VenueSecret(token), expiresAt)
        case 400, 401:
            let error = body?.error ?? "HTTP \(response.status)"
            let refused: Set<String> = ["invalid_client", "unauthorized_client", "invalid_scope", "invalid_grant"]
            let description = body?.errorDescription.map { ": \($0)" } ?? ""
            throw VenueError(
                refused.contains(error) || response.status == 401 ? .unauthorized : .rejected, venue: venue,
                reason: "token request refused (\(error))\(description)")
        case 500...599:
            throw VenueError(.venueFailure, venue: venue, reason: "token request: HTTP \(response.status)")
        default:
            throw VenueError(.invalidResponse, venue: venue, reason: "token request: HTTP \(response.status)")
        }
    }

    /// The token endpoint's answer, success or OAuth error.
    private struct TokenAnswer: Decodable {
        var accessToken: String?
        var expiresIn: Int?
        var tokenType: String?
        var error: String?
        var errorDescription: String?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", expiresIn = "expires_in", tokenType = "token_type", error
            case errorDescription = "error_description"
        }
    }
}

/// `application/x-www-form-urlencoded` as HTML defines it (unreserved characters kept, space as `+`).
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(self.escape($0.0))=\(self.escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "*"):
                result.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: " "):
                result += "+"
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}
