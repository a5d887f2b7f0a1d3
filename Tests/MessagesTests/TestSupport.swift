import Foundation
import Messages
import Testing

/// Paths and helpers shared by the suites.
enum Repo {
    /// The repository root: Tests/MessagesTests/<file>.swift → up three levels.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let schemas = root.appendingPathComponent("schemas")
    static let examples = schemas.appendingPathComponent("examples")
    static let contractScript = root.appendingPathComponent("Tests/contract/validate_schemas.py")

    /// Parses a JSON file into Foundation objects.
    static func jsonObject(at url: URL) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed])
    }

    /// The `pattern` of a `$defs` entry in `schemas/common.v1.json`.
    static func commonPattern(_ definition: String) throws -> String {
        let common = try #require(
            try jsonObject(at: schemas.appendingPathComponent("common.v1.json")) as? [String: Any])
        let definitions = try #require(common["$defs"] as? [String: Any])
        let entry = try #require(definitions[definition] as? [String: Any])
        return try #require(entry["pattern"] as? String)
    }
}

/// One example file under `schemas/examples/<message>/`.
struct ExampleFile: Sendable, CustomTestStringConvertible {
    var message: String
    var url: URL

    var fileName: String { self.url.lastPathComponent }
    var testDescription: String { "\(self.message)/\(self.fileName)" }

    /// Every example whose file name starts with `prefix`, sorted.
    static func all(prefix: String) -> [ExampleFile] {
        let manager = FileManager.default
        let directories = (try? manager.contentsOfDirectory(atPath: Repo.examples.path)) ?? []
        var files: [ExampleFile] = []
        for directory in directories.sorted() {
            let folder = Repo.examples.appendingPathComponent(directory)
            let names = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where name.hasPrefix(prefix) && name.hasSuffix(".json") {
                files.append(ExampleFile(message: directory, url: folder.appendingPathComponent(name)))
            }
        }
        return files
    }
}

/// Decodes `data` as the message named `name`, re-encodes it and decodes it again.
/// - Returns: The re-encoded bytes.
func roundTrip(messageNamed name: String, _ data: Data) throws -> Data {
    switch name {
    case OrderCommand.schemaName: try roundTrip(OrderCommand.self, data)
    case ExecutionReport.schemaName: try roundTrip(ExecutionReport.self, data)
    case Fill.schemaName: try roundTrip(Fill.self, data)
    case Tick.schemaName: try roundTrip(Tick.self, data)
    case TokenGrant.schemaName: try roundTrip(TokenGrant.self, data)
    case TokenRefreshRequest.schemaName: try roundTrip(TokenRefreshRequest.self, data)
    case AuthEvent.schemaName: try roundTrip(AuthEvent.self, data)
    case VenueStatus.schemaName: try roundTrip(VenueStatus.self, data)
    case ControlCommand.schemaName: try roundTrip(ControlCommand.self, data)
    case DeadLetter.schemaName: try roundTrip(DeadLetter.self, data)
    case JournalEntry.schemaName: try roundTrip(JournalEntry.self, data)
    case MarketSubscription.schemaName: try roundTrip(MarketSubscription.self, data)
    default: throw UnknownMessage(name: name)
    }
}

struct UnknownMessage: Error { var name: String }

private func roundTrip<M: WireMessage & Hashable>(_ type: M.Type, _ data: Data) throws -> Data {
    let first = try WireFormat.decode(M.self, from: data)
    let encoded = try WireFormat.encode(first)
    let second = try WireFormat.decode(M.self, from: encoded)
    #expect(first == second, "decode → encode → decode changed the \(M.schemaName) message")
    #expect(try WireFormat.encode(second) == encoded, "encoding is not deterministic")
    return encoded
}

/// Decodes `json` as `M` and returns the error, recording an issue if decoding succeeded.
func decodeError<M: WireMessage>(
    _ type: M.Type,
    _ json: String,
    sourceLocation: SourceLocation = #_sourceLocation
) -> MessageError? {
    do {
        _ = try WireFormat.decode(M.self, from: Data(json.utf8))
        Issue.record("expected \(M.schemaName) to be rejected: \(json)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A valid example as a mutable JSON object, for building variants.
func exampleObject(_ message: String, _ file: String) throws -> [String: Any] {
    let url = Repo.examples.appendingPathComponent(message).appendingPathComponent(file)
    return try #require(try Repo.jsonObject(at: url) as? [String: Any])
}

/// Serializes a JSON object (sorted keys, so tests are deterministic).
func jsonData(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
}

/// A small deterministic pseudo-random generator (SplitMix64) for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
