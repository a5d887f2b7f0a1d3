import Foundation
import Logging

extension CTraderSimulator {
    /// 2100 ApplicationAuthReq → 2101 `{}`. A second 2100 after success is 2142 `CH_CLIENT_ALREADY_AUTHENTICATED`
    /// (checked first); a wrong client id or secret is 2142 `CH_CLIENT_AUTH_FAILURE`.
    func authenticateApplication(_ call: CTraderCall, session: CTraderSession) -> WebSocketAnswer {
        guard !self.connections.isApplicationAuthenticated(session.id) else {
            return call.error("CH_CLIENT_ALREADY_AUTHENTICATED", "The application is already authenticated")
        }
        let id = call.payload.string("clientId") ?? ""
        let secret = call.payload.string("clientSecret") ?? ""
        guard CTraderTokens.constantTimeEquals(id, self.configuration.clientId),
            CTraderTokens.constantTimeEquals(secret, self.configuration.clientSecret)
        else {
            self.logger.debug("cTrader application auth with wrong credentials")
            return call.error("CH_CLIENT_AUTH_FAILURE", "Client authentication failed")
        }
        self.connections.setApplicationAuthenticated(session.id)
        return call.answer(CTraderPayloadType.applicationAuthRes, [])
    }

    /// 2102 AccountAuthReq → 2103 `{ctidTraderAccountId}`. The token is checked first (simulator choice, unverified):
    /// an unknown, expired or invalidated access token is 2142 `CH_ACCESS_TOKEN_INVALID`; then an account the token
    /// does not give access to is 2142 `CH_CTID_TRADER_ACCOUNT_NOT_FOUND`. Sending 2102 again for an authorized
    /// account answers 2103 again and switches the connection to the new token.
    func authorizeAccount(_ call: CTraderCall, session: CTraderSession) -> WebSocketAnswer {
        let account = call.payload.int64("ctidTraderAccountId") ?? 0
        let token = call.payload.string("accessToken") ?? ""
        if let reason = self.tokens.invalidity(of: token) {
            return call.error("CH_ACCESS_TOKEN_INVALID", "Invalid access token (\(reason.lowercased()))")
        }
        guard account == self.configuration.accountId else {
            return call.error("CH_CTID_TRADER_ACCOUNT_NOT_FOUND", "Trading account \(account) not found")
        }
        self.connections.authorize(account, token: token, on: session.id)
        return call.answer(CTraderPayloadType.accountAuthRes, [("ctidTraderAccountId", .int(account))])
    }

    /// 2173 RefreshTokenReq → 2174 `{accessToken, tokenType: "bearer", expiresIn, refreshToken}` (application auth
    /// only). The used refresh token dies (using it again is 2142 `CH_ACCESS_TOKEN_INVALID` "refresh token already
    /// used"); every earlier access token is invalidated, so each connection with an account authorized with one gets
    /// 2147 (after this answer, on this connection) and the account is no longer authorized there.
    func refreshToken(_ call: CTraderCall) -> WebSocketAnswer {
        switch self.refresh(call.payload.string("refreshToken") ?? "") {
        case .success(let grant):
            return call.answer(
                CTraderPayloadType.refreshTokenRes,
                [
                    ("accessToken", .string(grant.accessToken)), ("tokenType", .string("bearer")),
                    ("expiresIn", .int(Int64(grant.expiresIn))), ("refreshToken", .string(grant.refreshToken)),
                ])
        case .failure(.alreadyUsed):
            return call.error("CH_ACCESS_TOKEN_INVALID", "refresh token already used")
        case .failure(.unknown):
            return call.error("CH_ACCESS_TOKEN_INVALID", "refresh token is invalid")
        }
    }

    /// Uses `refreshToken` (2173 and `/apps/token`): the new grant, with `expiresIn` from the `tokenTTL` fault when
    /// set; then invalidates the sessions of the earlier access tokens.
    func refresh(_ refreshToken: String) -> Result<CTraderTokens.Grant, CTraderTokens.RefreshFailure> {
        let result = self.tokens.refresh(refreshToken, lifetime: self.faults.settings.tokenTTL)
        if case .success = result {
            self.connections.countRefresh()
            self.logger.debug("cTrader tokens refreshed")
            self.invalidateTokens()
        }
        return result
    }

    /// 2149 GetAccountListByAccessTokenReq → 2150 `{accessToken, permissionScope: 1 (SCOPE_TRADE),
    /// ctidTraderAccount: [{ctidTraderAccountId, isLive: false, traderLogin, brokerTitleShort}]}`; an invalid token
    /// is 2142 `CH_ACCESS_TOKEN_INVALID`.
    func accountList(_ call: CTraderCall) -> WebSocketAnswer {
        let token = call.payload.string("accessToken") ?? ""
        if let reason = self.tokens.invalidity(of: token) {
            return call.error("CH_ACCESS_TOKEN_INVALID", "Invalid access token (\(reason.lowercased()))")
        }
        let account = OrderedJSON.object([
            ("ctidTraderAccountId", .int(self.configuration.accountId)), ("isLive", .bool(false)),
            ("traderLogin", .int(self.configuration.traderLogin)),
            ("brokerTitleShort", .string(CTraderPayloads.brokerName)),
        ])
        return call.answer(
            CTraderPayloadType.accountListByAccessTokenRes,
            [("accessToken", .string(token)), ("permissionScope", .int(1)), ("ctidTraderAccount", .array([account]))])
    }
}
