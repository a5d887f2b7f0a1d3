import Foundation
import Synchronization

/// The OAuth2 tokens of the cTrader venue's one account (protocols.md §5.2): access tokens with a lifetime
/// (`expiresIn`), and one live refresh token that can be used once.
///
/// After start or reset the configured access and refresh tokens are the live ones. A refresh (2173 or
/// `/apps/token`) with the live refresh token issues a new access token and a new refresh token (opaque random
/// strings: 32 random bytes, base64url), kills the used refresh token, and invalidates every earlier access token
/// (there is one grant chain, simulator choice). Tokens are secrets: nothing here logs them.
final class CTraderTokens: Sendable {
    /// Why a refresh was refused.
    enum RefreshFailure: Error, Sendable {
        /// The refresh token was valid once and has been used.
        case alreadyUsed
        /// The refresh token was never issued (or was forgotten by a reset).
        case unknown
    }

    /// A newly issued grant.
    struct Grant: Sendable {
        var accessToken: String
        var refreshToken: String
        var expiresIn: Int
    }

    private struct AccessToken {
        var issuedAt: ContinuousClock.Instant
        var lifetime: Duration
        /// Why the token was invalidated before it expired (the 2147 `reason`), or `nil`.
        var revokedReason: String?
    }

    private struct State {
        var access: [String: AccessToken] = [:]
        var refreshToken: String
        var usedRefreshTokens: Set<String> = []
    }

    /// 2147 reasons (simulator choice, unverified).
    static let refreshedReason = "Access token was refreshed"
    static let expiredReason = "Access token expired"
    static let revokedReason = "Access token was revoked"
    /// Most tokens remembered; beyond it invalid ones are forgotten (their 2147 reason becomes "revoked").
    private static let capacity = 1_024

    private let configuredAccessToken: String
    private let configuredRefreshToken: String
    private let lifetime: Int
    private let state: Mutex<State>

    init(accessToken: String, refreshToken: String, lifetime: Int) {
        (self.configuredAccessToken, self.configuredRefreshToken, self.lifetime) = (accessToken, refreshToken, lifetime)
        var state = State(refreshToken: refreshToken)
        state.access[accessToken] = AccessToken(issuedAt: .now, lifetime: .seconds(lifetime))
        self.state = Mutex(state)
    }

    /// Back to the configured tokens (the configured access token is issued anew); every other token is forgotten.
    func reset() {
        self.state.withLock { state in
            state = State(refreshToken: self.configuredRefreshToken)
            state.access[self.configuredAccessToken] = AccessToken(issuedAt: .now, lifetime: .seconds(self.lifetime))
        }
    }

    /// The live refresh token (for tests; never log it).
    var currentRefreshToken: String {
        self.state.withLock { $0.refreshToken }
    }

    /// Why `token` is not a valid access token, or `nil` when it is.
    func invalidity(of token: String) -> String? {
        let now = ContinuousClock.now
        return self.state.withLock { state in
            guard let grant = state.access[token] else { return Self.revokedReason }
            if let reason = grant.revokedReason { return reason }
            return now - grant.issuedAt >= grant.lifetime ? Self.expiredReason : nil
        }
    }

    /// Uses `refreshToken`: a new grant whose access token lives `lifetime` seconds (the configured lifetime when
    /// `nil`).
    func refresh(_ refreshToken: String, lifetime: Int?) -> Result<Grant, RefreshFailure> {
        let lifetime = lifetime ?? self.lifetime
        let accessToken = Self.makeToken()
        let newRefreshToken = Self.makeToken()
        return self.state.withLock { state in
            guard Self.constantTimeEquals(refreshToken, state.refreshToken) else {
                return .failure(state.usedRefreshTokens.contains(refreshToken) ? .alreadyUsed : .unknown)
            }
            if state.usedRefreshTokens.count >= Self.capacity { state.usedRefreshTokens.removeAll() }
            state.usedRefreshTokens.insert(refreshToken)
            state.refreshToken = newRefreshToken
            Self.revokeAll(&state, reason: Self.refreshedReason)
            state.access[accessToken] = AccessToken(issuedAt: .now, lifetime: .seconds(lifetime))
            return .success(Grant(accessToken: accessToken, refreshToken: newRefreshToken, expiresIn: lifetime))
        }
    }

    /// Invalidates every access token (the `expireTokens` fault; the refresh token stays valid); returns how many
    /// were still valid.
    func expireAll() -> Int {
        self.state.withLock { Self.revokeAll(&$0, reason: Self.expiredReason) }
    }

    /// Revokes every valid access token with `reason`; returns how many.
    @discardableResult
    private static func revokeAll(_ state: inout State, reason: String) -> Int {
        let now = ContinuousClock.now
        if state.access.count >= Self.capacity {
            state.access = state.access.filter {
                $0.value.revokedReason == nil && now - $0.value.issuedAt < $0.value.lifetime
            }
        }
        var count = 0
        for (token, grant) in state.access where grant.revokedReason == nil {
            if now - grant.issuedAt < grant.lifetime { count += 1 }
            state.access[token]?.revokedReason = reason
        }
        return count
    }

    /// 32 random bytes, base64url without padding.
    private static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares secrets without an early exit.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}
