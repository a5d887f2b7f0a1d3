import Foundation
import Synchronization
import TestSupport
import Testing
import VenueMagnr

/// The signature and the tonces, without a venue.
@Suite
struct MagnrSigningTests {
    /// Runs the seed's shell recipe: `echo -n "$TONCE$PUBKEY$DATA" | openssl dgst -sha512 -hmac "$PRIVKEY" -binary | base64`.
    private func openssl(tonce: Int64, publicKey: String, privateKey: String, body: String) async throws -> String {
        let (status, data) = try await ChildProcess.run(
            "sh", ["-c", #"printf '%s' "$1$2$3" | openssl dgst -sha512 -hmac "$4" -binary | base64 -w 0"#,
                   "sh", String(tonce), publicKey, body, privateKey])
        try #require(status == 0, "openssl is needed for this test (apt-get install openssl)")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(arguments: [
        (Int64(1_447_852_800_000), #"{"side":"buy","size":0.5,"exchange":"Bitstamp","pair":"BTCUSD","leverage":10}"#),
        (Int64(1_795_241_092_779), ""),
        (Int64(1_795_241_092_780), #"{"side":"sell","size":12.25,"exchange":"LOCAL","pair":"XBTUSD","take":"ü 100"}"#),
    ])
    func theSignatureIsWhatTheSeedsShellRecipeComputes(tonce: Int64, body: String) async throws {
        let expected = try await self.openssl(tonce: tonce, publicKey: "sim-magnr-pub", privateKey: "sim-magnr-priv", body: body)
        let signature = MagnrSignature.signature(
            tonce: tonce, publicKey: "sim-magnr-pub", privateKey: "sim-magnr-priv", body: Array(body.utf8))
        #expect(signature == expected)
        #expect(Data(base64Encoded: signature)?.count == 64, "the raw 64-byte HMAC, base64-encoded")
        let header = MagnrSignature.authorization(
            tonce: tonce, publicKey: "sim-magnr-pub", privateKey: "sim-magnr-priv", body: Array(body.utf8))
        let decoded = String(decoding: Data(base64Encoded: String(header.dropFirst("Basic ".count)))!, as: UTF8.self)
        #expect(decoded == "sim-magnr-pub:\(expected)")
    }

    @Test func concurrentToncesAreUniqueIncreasingAndNeverAheadOfTheClock() async throws {
        let source = MagnrTonceSource()
        let issued = try await withThrowingTaskGroup(of: (Int64, Int64).self) { group in
            for _ in 0..<300 {
                group.addTask {
                    let tonce = try await source.next()
                    return (tonce, Int64(Date().timeIntervalSince1970 * 1000))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let tonces = issued.map(\.0)
        #expect(Set(tonces).count == 300, "no tonce is shared")
        #expect(issued.allSatisfy { $0.0 <= $0.1 }, "a tonce is never ahead of the clock, so a restart cannot reuse one")
        #expect(source.last == tonces.max())
    }

    @Test func aRestartedSourceBeginsAboveItsPersistedHighWaterMarkEvenWhenTheClockWentBack() async throws {
        let stored = Mutex<Int64>(0)
        let clock = Mutex<Int64>(1_000_000)
        let first = MagnrTonceSource(block: 1_000, persist: { mark in stored.withLock { $0 = mark } }, clock: { clock.withLock { $0 } })
        let a = try await first.next()
        let b = try await first.next()
        #expect(a == 1_000_000 && b == 1_000_001, "ahead of the clock is allowed inside the persisted reservation")
        #expect(stored.withLock { $0 } == 1_001_000)
        clock.withLock { $0 = 999_000 }  // the clock stepped back across the "crash"
        let second = MagnrTonceSource(
            highWater: stored.withLock { $0 }, block: 1_000, persist: { mark in stored.withLock { $0 = mark } },
            clock: { clock.withLock { $0 } })
        let c = try await second.next()
        #expect(c > b)
        #expect(c == 1_001_001)
    }
}
