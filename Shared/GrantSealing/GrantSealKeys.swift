public import Foundation

extension GrantSealer {
    /// Keys from the environment or a key file.
    ///
    /// - `TRADEWIRE_SEAL_KEY`: `<id>:<base64 32 bytes>[,<id>:<base64>…]` — the first key seals, all keys open.
    /// - `TRADEWIRE_SEAL_KEY_FILE`: a file with one `<id> <base64 32 bytes>` per line (first line seals; `#` comments),
    ///   for example a Docker secret under `/run/secrets/`.
    ///
    /// The environment variable wins when both are set.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(GrantSealingError) -> GrantSealer {
        if let value = environment["TRADEWIRE_SEAL_KEY"], !value.isEmpty {
            let entries = value.split(separator: ",").map { entry -> (String, String) in
                let parts = entry.split(separator: ":", maxSplits: 1)
                return (String(parts.first ?? ""), parts.count == 2 ? String(parts[1]) : "")
            }
            return try GrantSealer(keys: Self.keys(entries))
        }
        if let path = environment["TRADEWIRE_SEAL_KEY_FILE"], !path.isEmpty {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw GrantSealingError(.invalidKey, reason: "cannot read the seal key file \(path)")
            }
            let entries = text.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
                .map { line -> (String, String) in
                    let parts = line.split(whereSeparator: \.isWhitespace)
                    return (String(parts.first ?? ""), parts.count >= 2 ? String(parts[1]) : "")
                }
            return try GrantSealer(keys: Self.keys(entries))
        }
        throw GrantSealingError(.invalidKey, reason: "set TRADEWIRE_SEAL_KEY or TRADEWIRE_SEAL_KEY_FILE")
    }

    private static func keys(_ entries: [(String, String)]) throws(GrantSealingError) -> [GrantSealKey] {
        var keys: [GrantSealKey] = []
        for (id, encoded) in entries {
            guard let raw = Data(base64Encoded: encoded) else {
                throw GrantSealingError(.invalidKey, reason: "key \(id) is not base64")
            }
            keys.append(try GrantSealKey(id: id, rawKey: raw))
        }
        return keys
    }
}

/// Refuses grants that are not newer than the last one applied for their venue (no rollback, no replay).
public struct GrantVersionGuard: Sendable {
    private var latest: [String: Int] = [:]

    /// Creates an empty guard.
    public init() {}

    /// Accepts version `version` of `venue`'s grant if it is newer than any applied before.
    public mutating func accept(venue: String, version: Int) throws(GrantSealingError) {
        if let current = self.latest[venue], version <= current {
            throw GrantSealingError(.rollback, reason: "grant v\(version) for \(venue) is not newer than v\(current)")
        }
        self.latest[venue] = version
    }

    /// The last version applied for `venue`.
    public func version(of venue: String) -> Int? { self.latest[venue] }
}
