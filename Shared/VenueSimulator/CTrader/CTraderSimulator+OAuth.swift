import Foundation

extension CTraderSimulator {
    /// The OAuth2 token endpoint (protocols.md §5.2).
    static let tokenPath = "/apps/token"

    /// Query and form parameters whose values are secrets (redacted in the request log).
    private static let secretParameters: Set<String> = ["client_secret", "refresh_token", "code"]

    /// `GET /apps/token?grant_type=refresh_token&refresh_token=…&client_id=…&client_secret=…`, or `POST` with the
    /// same parameters as an `application/x-www-form-urlencoded` body (query parameters count too; the body wins).
    ///
    /// Always HTTP 200 with `{"accessToken","tokenType","expiresIn","refreshToken","errorCode","description"}`
    /// (ctnet `Token.cs`): on success `errorCode` and `description` are `null`; on failure the token members are
    /// `null` and `errorCode` is, checked in this order (simulator choices, unverified): `INVALID_REQUEST` (a
    /// missing parameter, or a `grant_type` other than `refresh_token`), `INVALID_CLIENT` (wrong client id or
    /// secret), `ACCESS_DENIED` (an unknown or already used refresh token). A refresh rotates the tokens exactly as
    /// 2173 does.
    ///
    /// Faults apply as to request frames: the latency, then a drop (`nil`: close without answering) or an injected
    /// error (HTTP `errorStatus` with `errorCode` `UNKNOWN_ERROR`).
    func tokenRequest(
        query: String?, body: () async throws -> String
    ) async -> (status: Int, body: String)? {
        var parameters = Self.formParameters(query ?? "")
        if let text = try? await body() {
            parameters.merge(Self.formParameters(text)) { _, body in body }
        }
        let decision = self.faults.decide()
        if decision.latency > .zero {
            try? await Task.sleep(for: decision.latency)
        }
        switch decision.outcome {
        case .drop:
            return nil
        case .error(let status):
            return (status, Self.tokenFailure("UNKNOWN_ERROR", "Internal server error"))
        case .proceed:
            break
        }
        guard let grantType = parameters["grant_type"], let refreshToken = parameters["refresh_token"],
            let clientID = parameters["client_id"], let clientSecret = parameters["client_secret"]
        else {
            return (
                200,
                Self.tokenFailure(
                    "INVALID_REQUEST", "grant_type, refresh_token, client_id and client_secret are required")
            )
        }
        guard grantType == "refresh_token" else {
            return (200, Self.tokenFailure("INVALID_REQUEST", "grant_type \(grantType) is not supported"))
        }
        guard CTraderTokens.constantTimeEquals(clientID, self.configuration.clientId),
            CTraderTokens.constantTimeEquals(clientSecret, self.configuration.clientSecret)
        else {
            return (200, Self.tokenFailure("INVALID_CLIENT", "Client authentication failed"))
        }
        switch self.refresh(refreshToken) {
        case .success(let grant):
            let answer = OrderedJSON.object([
                ("accessToken", .string(grant.accessToken)), ("tokenType", .string("bearer")),
                ("expiresIn", .int(Int64(grant.expiresIn))), ("refreshToken", .string(grant.refreshToken)),
                ("errorCode", .null), ("description", .null),
            ])
            return (200, answer.text)
        case .failure(.alreadyUsed):
            return (200, Self.tokenFailure("ACCESS_DENIED", "refresh token already used"))
        case .failure(.unknown):
            return (200, Self.tokenFailure("ACCESS_DENIED", "refresh token is invalid"))
        }
    }

    private static func tokenFailure(_ code: String, _ description: String) -> String {
        OrderedJSON.object([
            ("accessToken", .null), ("tokenType", .null), ("expiresIn", .null), ("refreshToken", .null),
            ("errorCode", .string(code)), ("description", .string(description)),
        ]).text
    }

    /// `application/x-www-form-urlencoded` parameters (`+` is a space, then percent escapes); the first of a
    /// repeated name wins.
    static func formParameters(_ text: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecode(parts[0])
            guard parameters[name] == nil else { continue }
            parameters[name] = parts.count > 1 ? Self.formDecode(parts[1]) : ""
        }
        return parameters
    }

    private static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// `query` with the values of secret parameters replaced by `redacted`, for the request log.
    static func redacted(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, Self.secretParameters.contains(Self.formDecode(parts[0])) else {
                return String(pair)
            }
            return parts[0] + "=redacted"
        }.joined(separator: "&")
    }
}
