import Crypto
import Foundation
import Logging
import Synchronization

/// Why a request was refused before reaching its endpoint.
struct MagnrRefusal: Error, Sendable {
    var response: MagnrResponse
}

extension MagnrSimulator {
    /// Checks the request's credentials, then its tonce (protocols.md §3.2); the public key on success.
    ///
    /// 1. `Authorization: Basic base64(pubkey:signature)` (scheme case-insensitive, RFC 7617; the user part ends at
    ///    the first colon): a missing or malformed header or an unknown public key is 401 `Invalid API key`. The
    ///    signature must be `base64(HMAC-SHA512(key: privkey, message: tonce + pubkey + body))`, where `tonce` is the
    ///    `Tonce` header exactly as sent (empty when missing) and `body` the raw bytes received; anything else is 401
    ///    `Invalid signature`. The comparison is constant-time over the base64 text, with ASCII whitespace inside
    ///    the signature ignored: GNU `base64`, used by the seed's shell recipe, wraps its output after 76 characters,
    ///    and a signature of 88 characters then carries a line break.
    /// 2. `Tonce`: it must be a decimal integer (`Int64`, optionally signed), else 400 `Tonce header is required…`;
    ///    within ``MagnrSimulatorConfiguration/tonceWindow`` of the server clock in milliseconds (boundaries
    ///    included), else 400 `Tonce is outside the allowed window`; and above the last tonce accepted for the key,
    ///    else 400 `Tonce must be greater than the last one used…`. Passing both checks records the tonce as the
    ///    key's last, whatever the endpoint then answers.
    ///
    /// Refusals are counted for `GET /magnr/status` (every 401 as a signature rejection, every tonce 400 as a tonce
    /// rejection).
    func authenticate(_ request: MagnrRequest, body: [UInt8]) -> Result<String, MagnrRefusal> {
        let result = self.check(request, body: body)
        if case .failure(let refusal) = result {
            self.book.withLock { book in
                if refusal.response.status == 401 { book.signatureRejections += 1 }
            }
            self.logger.debug("Request refused", metadata: ["http.status": "\(refusal.response.status)"])
        }
        return result
    }

    private func check(_ request: MagnrRequest, body: [UInt8]) -> Result<String, MagnrRefusal> {
        guard let header = request.authorization, let credentials = Self.basicCredentials(header),
            credentials.publicKey == self.configuration.publicKey
        else { return .failure(MagnrRefusal(response: .invalidAPIKey)) }
        let tonceText = request.tonce ?? ""
        let expected = Self.signature(
            tonce: tonceText, publicKey: credentials.publicKey, privateKey: self.configuration.privateKey, body: body)
        let presented = credentials.signature.utf8.filter { ![0x20, 0x09, 0x0D, 0x0A].contains($0) }
        guard Self.constantTimeEquals(presented, Array(expected.utf8)) else {
            return .failure(MagnrRefusal(response: .invalidSignature))
        }
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let window = Int64(self.configuration.tonceWindow / .milliseconds(1))
        let refusal: MagnrResponse? = self.book.withLock { book in
            let refusal: MagnrResponse?
            if let tonce = Int64(tonceText) {
                if tonce < now - window || tonce > now + window {
                    refusal = .tonceOutsideWindow
                } else if !book.acceptTonce(tonce, publicKey: credentials.publicKey) {
                    refusal = .tonceReplayed
                } else {
                    refusal = nil
                }
            } else {
                refusal = .tonceRequired
            }
            if refusal != nil { book.tonceRejections += 1 }
            return refusal
        }
        if let refusal { return .failure(MagnrRefusal(response: refusal)) }
        return .success(credentials.publicKey)
    }

    /// The public key and signature of `Basic base64(pubkey:signature)`, or `nil` when malformed.
    static func basicCredentials(_ header: String) -> (publicKey: String, signature: String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: parts[1].trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// `base64(HMAC-SHA512(key: privateKey, message: tonce + publicKey + body))`.
    static func signature(tonce: String, publicKey: String, privateKey: String, body: [UInt8]) -> String {
        let message = Array(tonce.utf8) + Array(publicKey.utf8) + body
        let mac = HMAC<SHA512>.authenticationCode(for: message, using: SymmetricKey(data: Array(privateKey.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Compares without an early exit, so the time taken does not reveal how much of a signature was right.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }
}
