import Foundation
import GrantSealing
import Messages
import Testing
import VenueKit

@Suite
struct GrantSealingTests {
    private let keyA = try! GrantSealKey(id: "k-2026-11", rawKey: Data(repeating: 0xA5, count: 32))
    private let keyB = try! GrantSealKey(id: "k-2026-12", rawKey: Data((0..<32).map { UInt8($0) }))

    private func grant(venue: String = "mt4-demo", version: Int = 3) -> VenueSessionGrant {
        VenueSessionGrant(
            venue: venue, version: version, material: .mt4server(jwt: VenueSecret("eyJ.secret-jwt.sig")),
            issuedAt: Date(timeIntervalSince1970: 1_795_000_000), expiresAt: Date(timeIntervalSince1970: 1_795_003_600))
    }

    @Test func aSealedGrantOpensToTheSameMaterialAndHidesIt() throws {
        let sealer = try GrantSealer(keys: [keyA])
        let message = try sealer.seal(self.grant())
        #expect(message.keyId == "k-2026-11")
        #expect(message.protocol == .mt4server)
        #expect(message.version == 3)
        let wire = try WireFormat.encode(message)
        #expect(!String(decoding: wire, as: UTF8.self).contains("secret-jwt"), "the token must not be readable on Kafka")
        let decoded = try WireFormat.decode(TokenGrant.self, from: wire)
        #expect(try sealer.open(decoded) == self.grant())
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        let sealer = try GrantSealer(keys: [keyA])
        #expect(try sealer.seal(self.grant()).sealed != sealer.seal(self.grant()).sealed)
    }

    @Test func aGrantMovedToAnotherVenueOrVersionOrAlteredFailsToOpen() throws {
        let sealer = try GrantSealer(keys: [keyA])
        let original = try sealer.seal(self.grant())
        var otherVenue = original
        otherVenue.venue = "mt4-ava"
        var rolledBack = original
        rolledBack.version = 2
        var extended = original
        extended.expiresAt = Timestamp(seconds: 1_899_999_999)
        var flipped = original
        flipped.sealed[flipped.sealed.count - 1] ^= 0x01
        for tampered in [otherVenue, rolledBack, extended, flipped] {
            let error = #expect(throws: GrantSealingError.self) { _ = try sealer.open(tampered) }
            #expect(error?.code == .tampered)
        }
    }

    @Test func keysRotateNewGrantsUseTheFirstKeyAndOldGrantsStillOpen() throws {
        let old = try GrantSealer(keys: [keyA])
        let rotated = try GrantSealer(keys: [keyB, keyA])
        let sealedWithOld = try old.seal(self.grant())
        #expect(try rotated.open(sealedWithOld) == self.grant())
        #expect(try rotated.seal(self.grant()).keyId == "k-2026-12")
        let retired = try GrantSealer(keys: [keyB])
        let error = #expect(throws: GrantSealingError.self) { _ = try retired.open(sealedWithOld) }
        #expect(error?.code == .unknownKey)
        #expect(error?.description.contains("eyJ") == false)
    }

    @Test func keysComeFromTheEnvironmentOrAKeyFileAndBadKeysAreRefused() throws {
        let encodedA = Data(repeating: 0xA5, count: 32).base64EncodedString()
        let fromEnv = try GrantSealer.fromEnvironment(["TRADEWIRE_SEAL_KEY": "k1:\(encodedA),k0:\(encodedA)"])
        #expect(fromEnv.currentKeyID == "k1")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seal-\(UUID()).keys")
        try "# rotated monthly\nk-file \(encodedA)\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try GrantSealer.fromEnvironment(["TRADEWIRE_SEAL_KEY_FILE": file.path]).currentKeyID == "k-file")

        let short = #expect(throws: GrantSealingError.self) {
            _ = try GrantSealer.fromEnvironment(["TRADEWIRE_SEAL_KEY": "k:\(Data(count: 16).base64EncodedString())"])
        }
        #expect(short?.code == .invalidKey)
        #expect(throws: GrantSealingError.self) { _ = try GrantSealer.fromEnvironment([:]) }
        #expect(throws: GrantSealingError.self) { _ = try GrantSealer(keys: [keyA, keyA]) }
    }

    @Test func theVersionGuardRefusesRollbackAndReplay() throws {
        var guardrail = GrantVersionGuard()
        try guardrail.accept(venue: "mt4-demo", version: 1)
        try guardrail.accept(venue: "mt4-demo", version: 2)
        try guardrail.accept(venue: "mt4-ava", version: 1)
        let replay = #expect(throws: GrantSealingError.self) { try guardrail.accept(venue: "mt4-demo", version: 2) }
        #expect(replay?.code == .rollback)
        #expect(throws: GrantSealingError.self) { try guardrail.accept(venue: "mt4-demo", version: 1) }
        #expect(guardrail.version(of: "mt4-demo") == 2)
    }
}
