import Foundation
import Synchronization

/// The bearer tokens `POST /connect/token` issued: opaque random strings (32 random bytes, base64url), each valid
/// until its lifetime passes or ``revokeAll()`` (the `expireTokens` fault) revokes every token issued so far.
///
/// The real identity server issues JWTs; clients must treat access tokens as opaque (RFC 6749 §1.4), so the
/// simulator issues random strings that carry nothing. Expired tokens are forgotten lazily when new ones are issued.
final class CPluginTokens: Sendable {
    private struct Grant {
        var clientID: String
        var expiresAt: ContinuousClock.Instant
    }

    private struct State {
        var grants: [String: Grant] = [:]
        var issued = 0
    }

    private let clock = ContinuousClock()
    private let state = Mutex(State())

    /// Number of tokens issued since start.
    var issuedCount: Int { self.state.withLock { $0.issued } }

    /// A new token for `clientID`, valid for `lifetime` seconds.
    func issue(clientID: String, lifetime: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let now = self.clock.now
        self.state.withLock { state in
            if state.grants.count >= 1_024 {
                state.grants = state.grants.filter { $0.value.expiresAt > now }
            }
            state.grants[token] = Grant(clientID: clientID, expiresAt: now + .seconds(lifetime))
            state.issued += 1
        }
        return token
    }

    /// The client id `token` was issued to, or `nil` when the token is unknown, expired or revoked.
    func clientID(of token: String) -> String? {
        let now = self.clock.now
        return self.state.withLock { state in
            guard let grant = state.grants[token] else { return nil }
            guard grant.expiresAt > now else {
                state.grants[token] = nil
                return nil
            }
            return grant.clientID
        }
    }

    /// Revokes every token issued so far; returns how many were still valid.
    @discardableResult
    func revokeAll() -> Int {
        let now = self.clock.now
        return self.state.withLock { state in
            let valid = state.grants.values.filter { $0.expiresAt > now }.count
            state.grants.removeAll()
            return valid
        }
    }
}
