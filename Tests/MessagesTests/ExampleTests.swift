import Foundation
import Messages
import TestSupport
import Testing

/// The examples under `schemas/examples/` against the Swift decoder and encoder, and the Swift encoder's output
/// against the JSON Schemas (through `Tests/contract/validate_schemas.py`).
@Suite struct ExampleTests {
    @Test func everyMessageHasExamples() {
        let valid = Set(ExampleFile.all(prefix: "valid-").map(\.message))
        let invalid = Set(ExampleFile.all(prefix: "invalid-").map(\.message))
        for type in WireFormat.messageTypes {
            #expect(valid.contains(type.schemaName), "no valid examples for \(type.schemaName)")
            #expect(invalid.contains(type.schemaName), "no invalid examples for \(type.schemaName)")
        }
    }

    @Test(arguments: ExampleFile.all(prefix: "valid-"))
    func validExampleRoundTrips(_ example: ExampleFile) throws {
        let data = try Data(contentsOf: example.url)
        #expect(WireFormat.peekSchema(data)?.name == example.message)
        _ = try roundTrip(messageNamed: example.message, data)
        let any = try WireFormat.decodeAny(from: data)
        #expect(type(of: any).schemaName == example.message)
    }

    @Test(arguments: ExampleFile.all(prefix: "invalid-"))
    func invalidExampleIsRejected(_ example: ExampleFile) throws {
        let data = try Data(contentsOf: example.url)
        do {
            _ = try roundTrip(messageNamed: example.message, data)
            Issue.record("\(example) was accepted by the Swift decoder")
        } catch let error as MessageError {
            print("\(example.testDescription): \(error.pointer) — \(error.rule)")
            let expected = try #require(
                InvalidExpectations.table[example.testDescription],
                "add \(example) to InvalidExpectations.table (got \(error))"
            )
            #expect(error.code == expected.code, "\(example): \(error)")
            #expect(error.pointer == expected.pointer, "\(example): \(error)")
        }
    }

    /// Re-encodes every valid example with Swift and validates the output with the Python contract script.
    @Test func reencodedExamplesMatchTheSchemas() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tradewire-reencoded-\(UUID().uuidString.lowercased())")
        defer { try? FileManager.default.removeItem(at: directory) }
        for example in ExampleFile.all(prefix: "valid-") {
            let encoded = try roundTrip(messageNamed: example.message, try Data(contentsOf: example.url))
            let folder = directory.appendingPathComponent(example.message)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try encoded.write(to: folder.appendingPathComponent(example.fileName))
        }
        let result = try await ContractScript.run(["--reencoded", directory.path])
        #expect(result.status == 0, "validate_schemas.py --reencoded failed:\n\(result.output)")
        #expect(result.output.contains("contract: "), "unexpected output:\n\(result.output)")
    }
}

/// Runs `Tests/contract/validate_schemas.py` with `python3`.
enum ContractScript {
    static let setupHint = "python3 with the jsonschema and referencing packages is required: run `make setup`"

    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result: (status: Int32, output: Data)
        do {
            result = try await ChildProcess.run(
                "python3", [Repo.contractScript.path] + arguments, directory: Repo.root.path, includeErrors: true)
        } catch {
            Issue.record("cannot start python3 (\(error)); \(self.setupHint)")
            throw error
        }
        let (status, output) = (result.status, String(decoding: result.output, as: UTF8.self))
        if status == 127 || status == 3 {
            Issue.record("\(self.setupHint)\n\(output)")
        }
        return (status, output)
    }
}
