import Crypto
import Foundation
import Synchronization

/// Issues and checks the simulator's JWTs: compact, HS512 (HMAC-SHA512) with a random per-process secret.
///
/// Claims: `{"sub":"mt4server-sim","iat":<s>,"jti":"<serial>-<uuid>"}` plus `"exp"` when a TTL is set.
/// (The real server puts the API key itself in the payload; the simulator does not, so that tokens never
/// carry the key.) A token is valid when its header says HS512, its signature matches, `exp` (if any) is
/// in the future and its serial is above the revocation watermark set by ``revokeAll()``.
final class MT4ServerTokens: Sendable {
    private struct State {
        var lastSerial: Int64 = 0
        var revokedThrough: Int64 = 0
    }

    private static let header = #"{"typ":"JWT","alg":"HS512"}"#
    private static let subject = "mt4server-sim"

    private let key = SymmetricKey(size: SymmetricKeySize(bitCount: 512))
    private let state = Mutex(State())

    /// Number of tokens issued since start.
    var issuedCount: Int64 { self.state.withLock { $0.lastSerial } }

    /// A new token; with `ttl`, it expires at least `ttl` seconds from now.
    func issue(ttl: Int?, now: Date = Date()) -> String {
        let serial = self.state.withLock { state in
            state.lastSerial += 1
            return state.lastSerial
        }
        let jti = "\(serial)-\(UUID().uuidString.lowercased())"
        var claims = #"{"sub":"\#(Self.subject)","iat":\#(now.epochSeconds),"jti":"\#(jti)""#
        if let ttl {
            let expiry = Int64((now.timeIntervalSince1970 + Double(ttl)).rounded(.up))
            claims += #","exp":\#(expiry)"#
        }
        claims += "}"
        let signingInput = Self.base64URL(Data(Self.header.utf8)) + "." + Self.base64URL(Data(claims.utf8))
        let signature = HMAC<SHA512>.authenticationCode(for: Data(signingInput.utf8), using: self.key)
        return signingInput + "." + Self.base64URL(Data(signature))
    }

    /// Makes every token issued so far invalid; returns how many that was.
    @discardableResult
    func revokeAll() -> Int64 {
        self.state.withLock { state in
            let newlyRevoked = state.lastSerial - state.revokedThrough
            state.revokedThrough = state.lastSerial
            return newlyRevoked
        }
    }

    /// Whether `token` (the whole `Authorization` header value) is a valid token of this process.
    func isValid(_ token: String, now: Date = Date()) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 8_192, parts.count == 3,
            let headerData = Self.decodeBase64URL(parts[0]),
            let payloadData = Self.decodeBase64URL(parts[1]),
            let signature = Self.decodeBase64URL(parts[2])
        else { return false }
        let signingInput = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: signingInput, using: self.key),
            let header = try? JSONDecoder().decode(Header.self, from: headerData), header.alg == "HS512",
            let claims = try? JSONDecoder().decode(Claims.self, from: payloadData),
            let serial = Int64(claims.jti.prefix { $0 != "-" })
        else { return false }
        if let expiry = claims.exp, now.timeIntervalSince1970 >= expiry {
            return false
        }
        return self.state.withLock { serial > $0.revokedThrough && serial <= $0.lastSerial }
    }

    private struct Header: Decodable {
        var alg: String
    }

    private struct Claims: Decodable {
        var jti: String
        var exp: Double?
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        guard !text.isEmpty,
            text.utf8.allSatisfy({ byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            })
        else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
