import Crypto
public import Foundation
public import Messages
public import VenueKit

/// One AES-256 sealing key and its id (the id travels in every grant so keys can rotate).
public struct GrantSealKey: Sendable {
    /// Key id, 1-64 characters of `A-Za-z0-9._-`.
    public let id: String
    let key: SymmetricKey

    /// Creates a key from 32 raw bytes.
    public init(id: String, rawKey: Data) throws(GrantSealingError) {
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { throw GrantSealingError(.invalidKey, reason: "key id must be 1-64 characters of A-Za-z0-9._-") }
        guard rawKey.count == 32 else {
            throw GrantSealingError(.invalidKey, reason: "key \(id) must be 32 bytes (AES-256), got \(rawKey.count)")
        }
        self.id = id
        self.key = SymmetricKey(data: rawKey)
    }
}

/// Seals venue session grants into `TokenGrant`s and opens them again (AES-256-GCM).
///
/// The sealed bytes are `nonce (12) || ciphertext || tag (16)`. The associated data binds the grant's venue, protocol,
/// version, key id, issue and expiry times: a grant copied under another venue's key, given another version (to
/// roll back or forward), or with an altered expiry fails to open. The plaintext is the JSON of
/// ``VenueSessionGrant``; it never leaves this type unsealed.
public struct GrantSealer: Sendable {
    private let keys: [String: GrantSealKey]
    /// The key new grants are sealed with.
    public let currentKeyID: String

    /// Creates a sealer; `keys[0]` seals, every key opens (old keys stay until their grants are replaced).
    public init(keys: [GrantSealKey]) throws(GrantSealingError) {
        guard let current = keys.first else { throw GrantSealingError(.invalidKey, reason: "no sealing key configured") }
        var byID: [String: GrantSealKey] = [:]
        for key in keys {
            guard byID[key.id] == nil else { throw GrantSealingError(.invalidKey, reason: "duplicate key id \(key.id)") }
            byID[key.id] = key
        }
        self.keys = byID
        self.currentKeyID = current.id
    }

    /// Seals `grant` into the Kafka message published on `auth.tokens`.
    public func seal(_ grant: VenueSessionGrant) throws(GrantSealingError) -> TokenGrant {
        let key = self.keys[self.currentKeyID]!
        var message = TokenGrant(
            venue: grant.venue, protocol: grant.material.venueProtocol, version: grant.version,
            issuedAt: Timestamp(date: grant.issuedAt), expiresAt: grant.expiresAt.map { Timestamp(date: $0) },
            keyId: key.id, sealed: Data())
        let plaintext: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            plaintext = try encoder.encode(grant.material)
        } catch {
            throw GrantSealingError(.sealFailed, reason: "grant material could not be encoded")
        }
        do {
            let box = try AES.GCM.seal(plaintext, using: key.key, nonce: AES.GCM.Nonce(), authenticating: Self.associatedData(of: message))
            guard let combined = box.combined else { throw GrantSealingError(.sealFailed, reason: "no combined representation") }
            message.sealed = combined
        } catch let error as GrantSealingError {
            throw error
        } catch {
            throw GrantSealingError(.sealFailed, reason: "AES-GCM seal failed")
        }
        return message
    }

    /// Opens a grant read from `auth.tokens`.
    /// - Throws: ``GrantSealingError`` `.unknownKey` when the key id is not configured, `.tampered` when the bytes or
    ///   any bound field (venue, protocol, version, key id, times) were changed, `.protocolMismatch` when the material
    ///   is for another protocol than the grant says.
    public func open(_ message: TokenGrant) throws(GrantSealingError) -> VenueSessionGrant {
        guard let key = self.keys[message.keyId] else {
            throw GrantSealingError(.unknownKey, reason: "grant for \(message.venue) is sealed with unknown key \(message.keyId)")
        }
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(combined: message.sealed)
            plaintext = try AES.GCM.open(box, using: key.key, authenticating: Self.associatedData(of: message))
        } catch {
            throw GrantSealingError(.tampered, reason: "grant for \(message.venue) v\(message.version) failed authentication")
        }
        let material: VenueSessionGrant.Material
        do {
            material = try JSONDecoder().decode(VenueSessionGrant.Material.self, from: plaintext)
        } catch {
            throw GrantSealingError(.tampered, reason: "grant for \(message.venue) holds unreadable material")
        }
        guard material.venueProtocol == message.protocol else {
            throw GrantSealingError(.protocolMismatch, reason: "grant for \(message.venue) holds \(material.venueProtocol) material")
        }
        return VenueSessionGrant(
            venue: message.venue, version: message.version, material: material, issuedAt: message.issuedAt.date,
            expiresAt: message.expiresAt?.date)
    }

    /// The fields bound to the ciphertext, in a fixed text form.
    static func associatedData(of message: TokenGrant) -> Data {
        let expiry = message.expiresAt.map { "\($0.seconds).\($0.nanoseconds)" } ?? "-"
        let text = [
            "tradewire.token-grant.v1", message.venue, message.protocol.rawValue, String(message.version), message.keyId,
            "\(message.issuedAt.seconds).\(message.issuedAt.nanoseconds)", expiry,
        ].joined(separator: "\u{1F}")
        return Data(text.utf8)
    }
}
