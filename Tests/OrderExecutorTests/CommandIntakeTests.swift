import Foundation
import Messages
import OrderExecutorCore
import Testing

@Suite
struct CommandIntakeTests {
    private static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/examples/order-command")

    private func example(_ name: String) throws -> Data {
        try Data(contentsOf: Self.examples.appendingPathComponent(name))
    }

    private func record(_ value: Data, key: String? = nil, offset: Int64 = 7) -> CommandRecord {
        let venue = ((try? JSONSerialization.jsonObject(with: value)) as? [String: Any])?["venue"] as? String
        return CommandRecord(
            topic: "orders.commands", partition: 3, offset: offset, key: (key ?? venue).map { Data($0.utf8) }, value: value)
    }

    @Test func aValidCommandKeyedByItsVenuePasses() throws {
        guard case .command(let command) = CommandIntake().accept(self.record(try self.example("valid-market-place.json"))) else {
            Issue.record("a valid command must pass")
            return
        }
        #expect(command.action == .place)
    }

    @Test(arguments: [
        ("invalid-unknown-field-stopLos.json", "unknown_field", "/stopLos"),
        ("invalid-quantity-is-number.json", "wrong_type", "/quantity"),
        ("invalid-schema-major-v2.json", "unsupported_schema", "/schema"),
        ("invalid-decimal-exponent.json", "invalid_value", "/quantity"),
    ])
    func anInvalidCommandGoesToTheDLQWithThePreciseReasonAndARejectedReport(file: String, code: String, pointer: String) throws {
        let payload = try self.example(file)
        guard case .refused(let letter, let report) = CommandIntake().accept(self.record(payload)) else {
            Issue.record("\(file) must be refused")
            return
        }
        #expect(letter.error.code == code, "\(file): \(letter.error)")
        #expect(letter.error.pointer == pointer, "\(file): \(letter.error)")
        #expect(letter.payload == payload, "the raw bytes are kept")
        #expect(letter.original.offset == 7 && letter.original.partition == 3 && letter.original.topic == "orders.commands")
        #expect(letter.service == "order-executor")
        let rejected = try #require(report, "\(file) names its commandId: the upstream gets a rejected report")
        #expect(rejected.status == .rejected && rejected.isFinal)
        #expect(rejected.commandId == letter.commandId)
        #expect(rejected.reason?.code == "invalid_command")
        // Both are valid on the wire.
        _ = try WireFormat.decode(DeadLetter.self, from: try WireFormat.encode(letter))
        _ = try WireFormat.decode(ExecutionReport.self, from: try WireFormat.encode(rejected))
    }

    @Test func unreadableJSONIsDeadLetteredWithoutAReport() {
        let payload = Data("{\"commandId\": \"3f1c2a64-8a0e-4c8b-9d2f".utf8)
        guard case .refused(let letter, let report) = CommandIntake().accept(self.record(payload, key: "mt4-demo")) else {
            Issue.record("malformed JSON must be refused")
            return
        }
        #expect(letter.error.code == "malformed_json")
        #expect(letter.commandId == nil)
        #expect(report == nil)
    }

    @Test func aCommandKeyedByAnotherVenueIsRefused() throws {
        let payload = try self.example("valid-market-place.json")
        guard case .refused(let letter, let report) = CommandIntake().accept(self.record(payload, key: "someone-else")) else {
            Issue.record("a mis-keyed command must be refused")
            return
        }
        #expect(letter.error.code == "key_mismatch")
        #expect(report?.status == .rejected)
    }
}
