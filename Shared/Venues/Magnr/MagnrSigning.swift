public import Foundation
import Crypto
import Synchronization

/// Magnr's request signature (protocols.md §3.2): `Authorization: Basic base64(pubkey ":" signature)` with
/// `signature = base64(HMAC-SHA512(key: privkey, message: tonce + pubkey + body))` over the exact body bytes sent
/// (empty for GET and DELETE). This is what the seed's shell recipe
/// `echo -n "$TONCE$PUBKEY$DATA" | openssl dgst -sha512 -hmac "$PRIVKEY" -binary | base64` computes.
public enum MagnrSignature {
    /// The base64 HMAC-SHA512 signature.
    public static func signature(tonce: Int64, publicKey: String, privateKey: String, body: [UInt8]) -> String {
        var message = Array(String(tonce).utf8)
        message += Array(publicKey.utf8)
        message += body
        let mac = HMAC<SHA512>.authenticationCode(for: message, using: SymmetricKey(data: Array(privateKey.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The `Authorization` header value.
    public static func authorization(tonce: Int64, publicKey: String, privateKey: String, body: [UInt8]) -> String {
        let signature = self.signature(tonce: tonce, publicKey: publicKey, privateKey: privateKey, body: body)
        return "Basic " + Data("\(publicKey):\(signature)".utf8).base64EncodedString()
    }
}

/// Issues tonces (milliseconds since the epoch) that strictly increase for one key, also across restarts.
///
/// A tonce never runs ahead of the wall clock: when the next value would (more than one request in the same
/// millisecond), the caller waits for the clock to pass it. So every tonce issued before a crash is below the clock
/// reading of any later process, and a restarted process can never reuse one — without storing anything, as long as
/// the clock does not step back. For that case a high-water mark can be persisted (`persist`): values are reserved
/// in blocks, the block's end is stored before the first value of the block is used, and a restart begins above it.
public final class MagnrTonceSource: Sendable {
    private struct State {
        var last: Int64
        var reservedUntil: Int64
    }

    private let state: Mutex<State>
    private let clock: @Sendable () -> Int64
    private let persist: (@Sendable (Int64) throws -> Void)?
    private let block: Int64

    /// Creates a source.
    /// - Parameters:
    ///   - highWater: a persisted high-water mark from an earlier run (0 if none).
    ///   - persist: stores a new high-water mark durably before tonces up to it are used (optional).
    ///   - clock: milliseconds since the epoch (injectable for tests).
    public init(
        highWater: Int64 = 0, block: Int64 = 60_000, persist: (@Sendable (Int64) throws -> Void)? = nil,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.state = Mutex(State(last: highWater, reservedUntil: highWater))
        self.clock = clock
        self.persist = persist
        self.block = block
    }

    /// The next tonce: above every earlier one and not ahead of the clock.
    public func next() async throws -> Int64 {
        while true {
            let now = self.clock()
            let issued = try self.state.withLock { (state: inout State) throws -> Int64? in
                let candidate = max(now, state.last + 1)
                // Ahead of the clock only when a persisted reservation covers it.
                guard candidate <= now || self.persist != nil else { return nil }
                if let persist = self.persist, candidate > state.reservedUntil {
                    try persist(candidate + self.block)
                    state.reservedUntil = candidate + self.block
                }
                state.last = candidate
                return candidate
            }
            if let issued { return issued }
            try await Task.sleep(for: .microseconds(250))
        }
    }

    /// The last tonce issued.
    public var last: Int64 { self.state.withLock { $0.last } }
}
