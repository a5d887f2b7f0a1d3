import Foundation
import Messages
import Testing

/// Property tests: for many generated strings, the Swift decoder accepts a field value exactly when the pattern
/// of `schemas/common.v1.json` matches it. This keeps the hand-written Swift checks and the schema in step.
@Suite struct SchemaAgreementTests {
    /// A field of an example message that holds one kind of `$defs` string.
    struct Field: Sendable, CustomTestStringConvertible {
        var definition: String
        var message: String
        var file: String
        var path: [String]
        var seeds: [String]
        var alphabet: String
        var maxLength: Int?

        var testDescription: String { "\(self.definition) at \(self.message)/\(self.path.joined(separator: "/"))" }
    }

    static let fields: [Field] = [
        Field(
            definition: "positiveDecimal", message: "tick", file: "valid-mt4-eurusd.json", path: ["bid"],
            seeds: ["0.11", "100", "12345678901234567890.123456789012345678", "0.000000000000000001"],
            alphabet: "0000111999.-+eE N"),
        Field(
            definition: "nonNegativeDecimal", message: "execution-report", file: "valid-filled-market.json",
            path: ["filledQuantity"], seeds: ["0", "0.0", "10.5", "99999999999999999999.999999999999999999"],
            alphabet: "0000111999.-+e "),
        Field(
            definition: "signedDecimal", message: "fill", file: "valid-mt4-with-fee.json", path: ["fee"],
            seeds: ["-0.35", "0", "-12345678901234567890.5", "7"], alphabet: "0000111999.--+e "),
        Field(
            definition: "venueId", message: "tick", file: "valid-mt4-eurusd.json", path: ["venue"],
            seeds: ["mt4-ava", "ctrader-demo-1", "a", String(repeating: "v", count: 64)],
            alphabet: "az09._-A:* é"),
        Field(
            definition: "clientOrderId", message: "fill", file: "valid-mt4-with-fee.json", path: ["clientOrderId"],
            seeds: ["oms:A-99812", "x", String(repeating: "C", count: 64)], alphabet: "aZ09._:-/ #é"),
        Field(
            definition: "symbol", message: "tick", file: "valid-mt4-eurusd.json", path: ["symbol"],
            seeds: ["EURUSD", "XAUUSD*", "BTC/USD", "#US30", String(repeating: "S", count: 32)],
            alphabet: "aZ09._/#*-: é", maxLength: 32),
        Field(
            definition: "reasonCode", message: "dead-letter", file: "valid-malformed-json.json",
            path: ["error", "code"],
            seeds: ["malformed_json", "a", "x9_"], alphabet: "az09_A- "),
        Field(
            definition: "uuid", message: "fill", file: "valid-mt4-with-fee.json", path: ["commandId"],
            seeds: ["23a6a4ec-3fb4-4ed4-9e8a-00312d4353ab", "23A6A4EC-3FB4-4ED4-9E8A-00312D4353AB"],
            alphabet: "09afAFg-{ "),
        Field(
            definition: "base64", message: "dead-letter", file: "valid-malformed-json.json", path: ["payload"],
            seeds: ["", "QQ==", "QUI=", "QUJD", "bXQ0LWF2YQ=="], alphabet: "AZaz09+/==-_ "),
        Field(
            definition: "jsonPointer", message: "dead-letter", file: "valid-malformed-json.json",
            path: ["error", "pointer"], seeds: ["", "/", "/a~0b", "/extensions/deriv", "/~1"],
            alphabet: "/~01ab~ "),
        Field(
            definition: "timestamp", message: "tick", file: "valid-mt4-eurusd.json", path: ["venueTime"],
            seeds: ["2025-03-14T09:30:00.125Z", "2024-02-29T23:59:59Z", "2025-12-31T00:00:00.123456789Z"],
            alphabet: "0123456789-:TZ.+z "),
    ]

    @Test(arguments: fields)
    func swiftAcceptsExactlyWhatTheSchemaPatternMatches(_ field: Field) throws {
        let pattern = try Regex(try Repo.commonPattern(field.definition))
        let template = try exampleObject(field.message, field.file)
        let type = try #require(WireFormat.messageType(named: field.message))
        var generator = SplitMix64(state: field.definition.utf8.reduce(20_250_314) { $0 &* 31 &+ UInt64($1) })
        var disagreements: [String] = []
        var (accepted, rejected) = (0, 0)
        for candidate in Self.candidates(field, using: &generator) {
            var schemaAccepts = (try? pattern.wholeMatch(in: candidate)) != nil
            if let maxLength = field.maxLength {
                schemaAccepts = schemaAccepts && candidate.unicodeScalars.count <= maxLength
            }
            if field.definition == "timestamp" { schemaAccepts = schemaAccepts && Self.isRealDate(candidate) }
            let data = try jsonData(Self.setting(template, field.path, to: candidate))
            let swiftAccepts = Self.decodes(type, data)
            if swiftAccepts { accepted += 1 } else { rejected += 1 }
            if schemaAccepts != swiftAccepts {
                disagreements.append("\(candidate.debugDescription): schema \(schemaAccepts), Swift \(swiftAccepts)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20).joined(separator: "\n"))")
        #expect(accepted >= 20 && rejected >= 20, "too few accepted (\(accepted)) or rejected (\(rejected)) candidates")
    }

    private static func decodes<M: WireMessage>(_ type: M.Type, _ data: Data) -> Bool {
        (try? WireFormat.decode(M.self, from: data)) != nil
    }

    /// Seeds, edits of seeds (1-3 insertions, deletions or replacements) and random strings.
    private static func candidates(_ field: Field, using generator: inout SplitMix64) -> [String] {
        let alphabet = Array(field.alphabet)
        var result = field.seeds
        for _ in 0..<1_000 {
            var characters = Array(field.seeds.randomElement(using: &generator) ?? "")
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let character = alphabet.randomElement(using: &generator)!
                let index = Int.random(in: 0...characters.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: characters.insert(character, at: index)
                case 1 where index < characters.count: characters.remove(at: index)
                default: if index < characters.count { characters[index] = character }
                }
            }
            result.append(String(characters))
        }
        for _ in 0..<200 {
            let length = Int.random(in: 0...8, using: &generator)
            result.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        return result
    }

    /// `format: date-time` also checks the day of the month.
    private static func isRealDate(_ text: String) -> Bool {
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return false }
        let (year, month, day) = (parts[0], parts[1], parts[2])
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(month) && (1...days[month - 1]).contains(day)
    }

    private static func setting(_ object: [String: Any], _ path: [String], to value: String) -> [String: Any] {
        var copy = object
        if path.count == 1 {
            copy[path[0]] = value
        } else if let nested = copy[path[0]] as? [String: Any] {
            copy[path[0]] = self.setting(nested, Array(path.dropFirst()), to: value)
        }
        return copy
    }
}
