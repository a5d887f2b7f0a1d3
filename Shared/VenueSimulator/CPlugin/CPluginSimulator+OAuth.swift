import Foundation
import Hummingbird
import Logging

extension CPluginSimulator {
    /// `GET /.well-known/openid-configuration`: the discovery document the SDKs read `token_endpoint` from; the base
    /// URL is `http://` plus the request's `Host` header (the listener's address when there is none).
    func discoveryDocument(_ request: CPluginRequest) -> CPluginResponse {
        let base = "http://" + (request.authority ?? "\(self.host):\(self.boundPort)")
        let document = OrderedJSON.object([
            ("issuer", .string(base)),
            ("token_endpoint", .string(base + "/connect/token")),
            ("grant_types_supported", .array([.string("client_credentials")])),
            ("scopes_supported", .array([.string("webapi")])),
        ])
        return .json(200, document.text)
    }

    /// `POST /connect/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4) as the CPlugin identity server
    /// answers it.
    ///
    /// Checks, in this order (every failure is `{"error","error_description"}` JSON, RFC 6749 §5.2):
    /// 1. the content type is `application/x-www-form-urlencoded` and no parameter is repeated, else 400
    ///    `invalid_request`;
    /// 2. `grant_type`, `client_id` and `client_secret` are present, from the form or from an HTTP Basic
    ///    `Authorization` header (RFC 6749 §2.3.1, form-urlencoded id and secret), but not from both, else 400
    ///    `invalid_request`;
    /// 3. the client id and secret match, else 400 `invalid_client` (401 with `WWW-Authenticate: Basic` when the
    ///    client authenticated with Basic);
    /// 4. `grant_type` is `client_credentials`, else 400 `unsupported_grant_type`;
    /// 5. `scope`, when given, is exactly `webapi` (the only supported scope; a list without `webapi` or with an
    ///    unknown scope is 400 `invalid_scope`); without `scope` the client's default `webapi` is granted.
    ///
    /// Success is 200 `{"access_token","expires_in","token_type":"Bearer","scope":"webapi"}`. Every answer carries
    /// `Cache-Control: no-store` (RFC 6749 §5.1).
    func issueToken(_ request: CPluginRequest, body: () async throws -> [UInt8]) async -> CPluginResponse {
        guard let bytes = try? await body() else { return .empty(413) }
        let contentType = request.header("content-type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/x-www-form-urlencoded" else {
            let description = "The content type must be application/x-www-form-urlencoded."
            return Self.oauthError(400, "invalid_request", description)
        }
        var form: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = CPluginRequest.decode(parts[0])
            guard form[name] == nil else {
                return Self.oauthError(400, "invalid_request", "The parameter '\(name)' is repeated.")
            }
            form[name] = parts.count > 1 ? CPluginRequest.decode(parts[1]) : ""
        }
        var clientID = form["client_id"]
        var clientSecret = form["client_secret"]
        var usedBasic = false
        if let authorization = request.header("authorization") {
            guard let credentials = Self.basicCredentials(authorization) else {
                let description = "The Authorization header is not valid Basic credentials."
                return Self.oauthError(400, "invalid_request", description)
            }
            guard clientSecret == nil, clientID == nil || clientID == credentials.id else {
                return Self.oauthError(400, "invalid_request", "The client authenticated in more than one way.")
            }
            (clientID, clientSecret, usedBasic) = (credentials.id, credentials.secret, true)
        }
        guard let grantType = form["grant_type"], !grantType.isEmpty else {
            return Self.oauthError(400, "invalid_request", "The grant_type parameter is missing.")
        }
        guard let clientID, !clientID.isEmpty, let clientSecret, !clientSecret.isEmpty else {
            return Self.oauthError(400, "invalid_request", "The client_id or client_secret parameter is missing.")
        }
        guard Self.constantTimeEquals(clientID, self.configuration.clientID),
            Self.constantTimeEquals(clientSecret, self.configuration.clientSecret)
        else {
            self.logger.debug("Token request with wrong client credentials")
            return usedBasic
                ? Self.oauthError(401, "invalid_client", "Client authentication failed.", basicChallenge: true)
                : Self.oauthError(400, "invalid_client", "Client authentication failed.")
        }
        guard grantType == "client_credentials" else {
            return Self.oauthError(400, "unsupported_grant_type", "The grant type '\(grantType)' is not supported.")
        }
        if let scope = form["scope"] {
            let scopes = Set(scope.split(separator: " ").map(String.init))
            guard scopes == ["webapi"] else {
                let description = "The requested scope is invalid: only 'webapi' is granted."
                return Self.oauthError(400, "invalid_scope", description)
            }
        }
        let lifetime = self.faults.settings.tokenTTL ?? self.configuration.tokenLifetime
        let token = self.tokens.issue(clientID: clientID, lifetime: lifetime)
        let answer = OrderedJSON.object([
            ("access_token", .string(token)),
            ("expires_in", .int(Int64(lifetime))),
            ("token_type", .string("Bearer")),
            ("scope", .string("webapi")),
        ])
        return .json(200, answer.text, headers: [.cacheControl: "no-store"])
    }

    private static func oauthError(
        _ status: Int, _ error: String, _ description: String, basicChallenge: Bool = false
    ) -> CPluginResponse {
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if basicChallenge { headers[.wwwAuthenticate] = "Basic" }
        let body = OrderedJSON.object([("error", .string(error)), ("error_description", .string(description))])
        return .json(status, body.text, headers: headers)
    }

    /// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1), or `nil` when it is not that.
    private static func basicCredentials(_ header: String) -> (id: String, secret: String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: parts[1].trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (
            CPluginRequest.decode(text[..<colon]), CPluginRequest.decode(text[text.index(after: colon)...])
        )
    }

    private static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}
