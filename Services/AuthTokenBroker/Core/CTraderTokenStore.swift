import Crypto
import Foundation
import ServiceSupport
import Synchronization
import VenueCTrader
import VenueKit

/// The rotating tokens of one cTrader account, kept durably in the broker's state directory
/// (`ctrader-<venue>.json`, mode 0600).
///
/// cTrader refresh tokens are single use (protocols.md §5.2): the successor returned by a refresh is written here —
/// atomically and fsynced, ``DurableFile`` — before the new access token is used or published, so a crash at any
/// moment after the venue answered leaves either the old state (the venue's answer was not yet stored) or the new one.
/// The entry remembers which configured refresh token it descends from (its SHA-256): when an operator configures a
/// new refresh token (the user authorized the application again), the stored chain is dropped in its favour.
final class CTraderTokenStore: Sendable {
    struct Entry: Codable, Sendable {
        /// SHA-256 (hex) of the configured refresh token this chain started from.
        var seed: String
        var refreshToken: String
        var accessToken: String?
        var expiresAt: Date?
    }

    private let file: URL
    private let configured: VenueSecret
    private let entry: Mutex<Entry?>
    private let storedAccessOffered = Mutex(false)

    init(directory: URL, venue: String, configuredRefreshToken: VenueSecret) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.file = directory.appendingPathComponent("ctrader-\(venue).json")
        self.configured = configuredRefreshToken
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let stored = (try? Data(contentsOf: self.file)).flatMap { try? decoder.decode(Entry.self, from: $0) }
        let seed = Self.fingerprint(configuredRefreshToken)
        self.entry = Mutex(stored?.seed == seed ? stored : nil)
    }

    /// The refresh token to use next: the stored successor, or the configured one when nothing descends from it yet.
    var refreshToken: VenueSecret {
        self.entry.withLock { $0.map { VenueSecret($0.refreshToken) } } ?? self.configured
    }

    /// The stored access token, once per process (the broker's first grant after a restart need not rotate the
    /// refresh token), if it stays valid for at least `margin`.
    func storedAccessTokenOnce(validFor margin: Duration) -> (VenueSecret, Date)? {
        let offered = self.storedAccessOffered.withLock { offered in
            defer { offered = true }
            return offered
        }
        guard !offered else { return nil }
        return self.entry.withLock { entry in
            guard let access = entry?.accessToken, let expiresAt = entry?.expiresAt,
                expiresAt.timeIntervalSinceNow > margin.seconds
            else { return nil }
            return (VenueSecret(access), expiresAt)
        }
    }

    /// Stores a refresh's result durably. The successor is kept in memory first, so the chain continues even when
    /// the write fails; the error is thrown so that the new access token is not published before it is on disk.
    func save(_ tokens: CTraderLogin.Tokens) throws {
        let entry = Entry(
            seed: Self.fingerprint(self.configured), refreshToken: tokens.refreshToken.value,
            accessToken: tokens.accessToken.value, expiresAt: tokens.expiresAt)
        self.entry.withLock { $0 = entry }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try DurableFile.write(try encoder.encode(entry), to: self.file)
    }

    private static func fingerprint(_ secret: VenueSecret) -> String {
        SHA256.hash(data: Data(secret.value.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
