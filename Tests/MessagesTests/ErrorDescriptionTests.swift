import Foundation
import Messages
import Testing

/// `MessageError` descriptions: format, codes, and no echo of free-text values.
@Suite struct ErrorDescriptionTests {
    @Test func descriptionIsCodeAtPointerColonRule() throws {
        var command = try exampleObject("order-command", "valid-market-place.json")
        command["commandId"] = nil
        let error = try #require(decodeError(OrderCommand.self, String(decoding: try jsonData(command), as: UTF8.self)))
        #expect(error.description == "missingField at /commandId: required field is missing")
        let malformed = try #require(decodeError(OrderCommand.self, "{"))
        #expect(malformed.description == "malformedJSON at \"\": document is not valid JSON")
        #expect(malformed.debugDescription.contains("underlying"))
    }

    @Test func codesHaveCamelAndSnakeNames() {
        let codes: [(MessageError.Code, String, String)] = [
            (.malformedJSON, "malformedJSON", "malformed_json"), (.missingField, "missingField", "missing_field"),
            (.wrongType, "wrongType", "wrong_type"), (.invalidValue, "invalidValue", "invalid_value"),
            (.unknownField, "unknownField", "unknown_field"),
            (.unsupportedSchema, "unsupportedSchema", "unsupported_schema"),
            (.schemaMismatch, "schemaMismatch", "schema_mismatch"),
        ]
        for (code, camel, snake) in codes {
            #expect(code.description == camel)
            #expect(code.snakeCaseName == snake)
        }
    }

    @Test func pointersEscapeTildeAndSlash() throws {
        var command = try exampleObject("order-command", "valid-market-place.json")
        command["a/b~c"] = 1
        let error = try #require(decodeError(OrderCommand.self, String(decoding: try jsonData(command), as: UTF8.self)))
        #expect(error.pointer == "/a~1b~0c")
    }

    /// A secret-looking value placed where it breaks a rule must not appear in the error's description or rule.
    @Test(arguments: [
        ("order-command", "valid-market-place.json", "venue", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("order-command", "valid-market-place.json", "clientOrderId", "token=ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        ("order-command", "valid-market-place.json", "symbol", "Bearer eyJhbGciOiJIUzI1NiJ9.secret"),
        ("order-command", "valid-market-place.json", "source", String(repeating: "hunter2-password-", count: 5)),
        ("order-command", "valid-market-place.json", "quantity", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("order-command", "valid-market-place.json", "createdAt", "AKIAIOSFODNN7EXAMPLE"),
        ("order-command", "valid-market-place.json", "commandId", "AKIAIOSFODNN7EXAMPLE"),
        ("order-command", "valid-market-place.json", "side", "xoxb-2048-SECRET-token"),
        ("order-command", "valid-market-place.json", "action", "supersecretpasswordvalue"),
        ("execution-report", "valid-rejected-with-reason.json", "status", "api_key_is_a1b2c3d4e5"),
        ("token-grant", "valid-ctrader-expiring.json", "sealed", "c2VjcmV0$LXRva2Vu"),
        ("token-grant", "valid-ctrader-expiring.json", "keyId", String(repeating: "k3y-s3cr3t", count: 7)),
        ("control-command", "valid-halt-all.json", "scope", "MT4 AVA password=swordfish"),
        ("control-command", "valid-halt-all.json", "operator", String(repeating: "swordfish", count: 8)),
        ("dead-letter", "valid-malformed-json.json", "payload", "password=swordfish"),
    ])
    func doesNotEchoFreeTextValues(_ message: String, _ file: String, _ field: String, _ secret: String) throws {
        var object = try exampleObject(message, file)
        object[field] = secret
        let data = try jsonData(object)
        let type = try #require(WireFormat.messageType(named: message))
        let found = Self.error(decoding: type, data)
        let error = try #require(found, "\(field) was accepted")
        #expect(error.pointer == "/\(field)")
        #expect(!error.description.contains(secret), "\(error)")
        #expect(!error.rule.contains(secret), "\(error)")
        for fragment in ["swordfish", "sk_live", "AKIA", "eyJhbGci", "ghp_", "hunter2", "s3cr3t", "api_key", "secret"] {
            #expect(!error.description.contains(fragment), "\(error)")
        }
    }

    @Test func shortEnumValuesAreEchoed() throws {
        var object = try exampleObject("order-command", "valid-cancel.json")
        object["action"] = "amend"
        let error = try #require(decodeError(OrderCommand.self, String(decoding: try jsonData(object), as: UTF8.self)))
        #expect(error.description == "invalidValue at /action: must be one of place, close, cancel, got \"amend\"")
    }

    private static func error<M: WireMessage>(decoding type: M.Type, _ data: Data) -> MessageError? {
        do {
            _ = try WireFormat.decode(M.self, from: data)
            return nil
        } catch {
            return error
        }
    }
}
