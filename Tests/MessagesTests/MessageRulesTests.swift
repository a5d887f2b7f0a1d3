import Foundation
import Messages
import Testing

/// Unknown fields, schema versions, conditional rules, routing and encoding.
@Suite struct MessageRulesTests {
    private func market() throws -> [String: Any] { try exampleObject("order-command", "valid-market-place.json") }

    private func decodeCommand(_ object: [String: Any]) throws -> OrderCommand {
        try WireFormat.decode(OrderCommand.self, from: try jsonData(object))
    }

    private func commandError(_ object: [String: Any]) throws -> MessageError {
        let data = try jsonData(object)
        return try #require(decodeError(OrderCommand.self, String(decoding: data, as: UTF8.self)))
    }

    // MARK: - Unknown fields

    @Test func commandsRejectUnknownFieldsNamingThem() throws {
        var command = try self.market()
        command["stopLos"] = "1.09"
        let error = try self.commandError(command)
        #expect(error.code == .unknownField)
        #expect(error.pointer == "/stopLos")
        #expect(error.rule.contains("did you mean \"stopLoss\"?"))

        var control = try exampleObject("control-command", "valid-halt-all.json")
        control["note"] = "x"
        #expect(throws: MessageError.self) {
            try WireFormat.decode(ControlCommand.self, from: try jsonData(control))
        }
        var refresh = try exampleObject("token-refresh-request", "valid-startup.json")
        refresh["priority"] = 1
        let refreshError = try #require(
            decodeError(TokenRefreshRequest.self, String(decoding: try jsonData(refresh), as: UTF8.self)))
        #expect(refreshError.code == .unknownField && refreshError.pointer == "/priority")
    }

    @Test func eventsIgnoreUnknownFields() throws {
        var tick = try exampleObject("tick", "valid-mt4-eurusd.json")
        tick["spreadPoints"] = 2
        tick["venueMeta"] = ["server": "ava-real-7", "quotes": [1, 2]]
        let decoded = try WireFormat.decode(Tick.self, from: try jsonData(tick))
        #expect(decoded.seq == 918_273)
        var report = try exampleObject("execution-report", "valid-rejected-with-reason.json")
        report["reason"] = ["code": "x", "message": "y", "details": ["a": 1]]
        #expect(try WireFormat.decode(ExecutionReport.self, from: try jsonData(report)).reason?.code == "x")
    }

    @Test func unknownExtensionProtocolIsNamed() throws {
        var command = try self.market()
        command["extensions"] = ["mt4server": ["magic": 7], "Deriv": [String: Any]()]
        let error = try self.commandError(command)
        #expect(error.code == .unknownField)
        #expect(error.pointer == "/extensions/Deriv")
    }

    @Test func extensionsKeepArbitraryJSONExactly() throws {
        let data = try Data(
            contentsOf: Repo.examples.appendingPathComponent(
                "order-command/valid-limit-place-sl-tp-deriv-extensions.json"))
        let command = try WireFormat.decode(OrderCommand.self, from: data)
        let deriv = try #require(command.extensions?[.deriv]?.objectValue)
        #expect(deriv["app_markup_percentage"] == .number(Decimal(string: "0.5")!))
        #expect(deriv["multiplier"] == .number(30))
        #expect(deriv["limit_order"] == .object(["stop_out": .bool(true)]))
        #expect(deriv["basis"] == .string("stake"))
    }

    @Test(arguments: ["1e400", "-0", "1e-400", "123456789012345678901234567890123456789012", "-1.5E+3", "0.1"])
    func extremeExtensionNumbersNeverCrash(_ number: String) throws {
        let base = String(decoding: try jsonData(try self.market()), as: UTF8.self)
        let json = String(base.dropLast()) + ",\"extensions\":{\"magnr\":{\"n\":\(number)}}}"
        do {
            let command = try WireFormat.decode(OrderCommand.self, from: Data(json.utf8))
            let again = try WireFormat.decode(OrderCommand.self, from: try WireFormat.encode(command))
            #expect(again == command)
        } catch {
            #expect(error.code == .wrongType || error.code == .invalidValue || error.code == .malformedJSON, "\(error)")
        }
    }

    // MARK: - Schema field

    @Test(arguments: [
        ("order-command/v2", MessageError.Code.unsupportedSchema, "unsupported major version 2"),
        ("order-command/v10", .unsupportedSchema, "unsupported major version 10"),
        ("order-command/v0", .unsupportedSchema, "unsupported major version 0"),
        ("fill/v1", .schemaMismatch, "schema names fill, expected order-command"),
        ("order-command", .invalidValue, "schema must look like"),
        ("order-command/v01", .invalidValue, "schema must look like"),
        ("order-command/1", .invalidValue, "schema must look like"),
    ])
    func checksTheSchemaField(_ value: String, _ code: MessageError.Code, _ ruleFragment: String) throws {
        var command = try self.market()
        command["schema"] = value
        let error = try self.commandError(command)
        #expect(error.code == code)
        #expect(error.pointer == "/schema")
        #expect(error.rule.contains(ruleFragment), "\(error)")
    }

    @Test func schemaFieldIsRequiredAndAString() throws {
        var command = try self.market()
        command["schema"] = nil
        #expect(try self.commandError(command).code == .missingField)
        command["schema"] = 1
        #expect(try self.commandError(command).code == .wrongType)
    }

    @Test func encodesTheV1Schema() throws {
        let command = try self.decodeCommand(try self.market())
        let object = try #require(try JSONSerialization.jsonObject(with: WireFormat.encode(command)) as? [String: Any])
        #expect(object["schema"] as? String == "order-command/v1")
        #expect(OrderCommand.schemaTag == "order-command/v1")
    }

    // MARK: - Documents and types

    @Test(arguments: ["", "{", "not json", "{\"schema\":}"])
    func malformedJSONPointsAtTheDocument(_ text: String) throws {
        let error = try #require(decodeError(OrderCommand.self, text))
        #expect(error.code == .malformedJSON)
        #expect(error.pointer == "")
    }

    @Test(arguments: ["[]", "\"order-command/v1\"", "42", "null"])
    func aDocumentMustBeAnObject(_ text: String) throws {
        let error = try #require(decodeError(OrderCommand.self, text))
        #expect(error.code == .wrongType)
        #expect(error.pointer == "")
    }

    @Test func nullIsNotAnAbsentOptionalField() throws {
        var command = try self.market()
        command["venueOrderId"] = NSNull()
        let error = try self.commandError(command)
        #expect(error.code == .wrongType)
        #expect(error.pointer == "/venueOrderId")
        #expect(error.rule == "must be a string, got null")
    }

    @Test func uuidsAreCheckedAndEncodedLowercase() throws {
        var command = try self.market()
        command["commandId"] = "23A6A4EC-3FB4-4ED4-9E8A-00312D4353AB"
        let decoded = try self.decodeCommand(command)
        let text = String(decoding: try WireFormat.encode(decoded), as: UTF8.self)
        #expect(text.contains("\"commandId\":\"23a6a4ec-3fb4-4ed4-9e8a-00312d4353ab\""))
        for bad in [
            "23a6a4ec3fb44ed49e8a00312d4353ab", "{23a6a4ec-3fb4-4ed4-9e8a-00312d4353ab}",
            "g3a6a4ec-3fb4-4ed4-9e8a-00312d4353ab",
        ] {
            command["commandId"] = bad
            let error = try self.commandError(command)
            #expect(error.code == .invalidValue && error.pointer == "/commandId")
        }
    }

    // MARK: - Conditional rules

    @Test func closeAndCancelNeedNoSymbolOrQuantity() throws {
        let cancel = try exampleObject("order-command", "valid-cancel.json")
        let decoded = try self.decodeCommand(cancel)
        #expect(decoded.action == .cancel && decoded.symbol == nil && decoded.quantity == nil)
    }

    @Test func marketOrdersCarryNoStopPrice() throws {
        var command = try self.market()
        command["stopPrice"] = "1.2"
        let error = try self.commandError(command)
        #expect(error.code == .invalidValue && error.pointer == "/stopPrice")
    }

    // MARK: - Encoding

    @Test func encodingIsDeterministicWithSortedKeysAndPlainSlashes() throws {
        let data = try Data(contentsOf: Repo.examples.appendingPathComponent("tick/valid-magnr-btc-with-last.json"))
        let tick = try WireFormat.decode(Tick.self, from: data)
        let first = try WireFormat.encode(tick)
        #expect(try WireFormat.encode(tick) == first)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("{\"ask\":\"67019\",\"bid\":\"67012.5\","))
        #expect(text.contains("\"symbol\":\"BTC/USD\""))
        #expect(tick.key == "magnr-live:BTC/USD")
    }

    @Test func encodingRefusesMessagesThatBreakTheSchema() throws {
        let now = Timestamp(seconds: 1_741_944_600)
        var command = OrderCommand(
            commandId: UUID(), action: .place, venue: "mt4-ava", clientOrderId: "c-1", symbol: "EURUSD", side: .buy,
            quantity: 1, orderType: .limit, createdAt: now, source: "test")
        var error = try #require(Self.encodeError(command))
        #expect(error.code == .missingField && error.pointer == "/limitPrice")

        command.limitPrice = Decimal(string: "1.1")
        command.extensions = [.deriv: .string("not an object")]
        error = try #require(Self.encodeError(command))
        #expect(error.code == .invalidValue && error.pointer == "/extensions/deriv")

        command.extensions = [.deriv: .object(["basis": .string("stake")])]
        command.venue = "Bad Venue"
        error = try #require(Self.encodeError(command))
        #expect(error.code == .invalidValue && error.pointer == "/venue")

        command.venue = "mt4-ava"
        command.limitPrice = nil
        let entry = JournalEntry(
            commandId: command.commandId, venue: "mt4-ava", phase: .intent, executor: "e-1",
            attempt: 1, command: command, recordedAt: now)
        error = try #require(Self.encodeError(entry))
        #expect(error.pointer == "/command/limitPrice")

        let control = ControlCommand(
            commandId: UUID(), action: .halt, scope: .venue("*"), reason: "r", operator: "o",
            issuedAt: now)
        error = try #require(Self.encodeError(control))
        #expect(error.code == .invalidValue && error.pointer == "/scope")
    }

    private static func encodeError(_ message: some WireMessage) -> MessageError? {
        do {
            _ = try WireFormat.encode(message)
            Issue.record("expected encoding to fail")
            return nil
        } catch {
            return error
        }
    }

    @Test func controlScopeAllIsAStar() throws {
        let data = try Data(contentsOf: Repo.examples.appendingPathComponent("control-command/valid-halt-all.json"))
        let control = try WireFormat.decode(ControlCommand.self, from: data)
        #expect(control.scope == .allVenues)
        #expect(String(decoding: try WireFormat.encode(control), as: UTF8.self).contains("\"scope\":\"*\""))
    }

    // MARK: - Routing

    @Test func peeksAtTheSchema() throws {
        let data = try Data(contentsOf: Repo.examples.appendingPathComponent("fill/valid-mt4-with-fee.json"))
        let peeked = try #require(WireFormat.peekSchema(data))
        #expect(peeked.name == "fill" && peeked.major == 1)
        let v2 = try #require(WireFormat.peekSchema(Data(#"{"schema":"order-command/v2","x":1}"#.utf8)))
        #expect(v2.name == "order-command" && v2.major == 2)
        #expect(WireFormat.peekSchema(Data("{}".utf8)) == nil)
        #expect(WireFormat.peekSchema(Data("nonsense".utf8)) == nil)
        #expect(WireFormat.peekSchema(Data(#"{"schema":"Fill v1"}"#.utf8)) == nil)
    }

    @Test func decodesAnyKnownMessage() throws {
        let data = try Data(contentsOf: Repo.examples.appendingPathComponent("auth-event/valid-refreshed.json"))
        let message = try WireFormat.decodeAny(from: data)
        #expect((message as? AuthEvent)?.version == 18)
        #expect(throws: MessageError.self) { try WireFormat.decodeAny(from: Data(#"{"schema":"order-cmd/v1"}"#.utf8)) }
        #expect(WireFormat.messageTypes.count == 12)
        #expect(WireFormat.messageType(named: "journal-entry") == JournalEntry.self)
    }

    @Test func deadLetterFailureCarriesTheDecodingError() throws {
        var command = try self.market()
        command["quantity"] = 0.1
        let error = try self.commandError(command)
        let failure = DeadLetter.Failure(error)
        #expect(failure.code == "wrong_type")
        #expect(failure.pointer == "/quantity")
        let letter = DeadLetter(
            original: .init(topic: "orders.commands", partition: 0, offset: 1), payload: try jsonData(command),
            error: failure, service: "order-executor", deadLetteredAt: Timestamp(seconds: 0))
        #expect(try WireFormat.decode(DeadLetter.self, from: WireFormat.encode(letter)) == letter)
    }
}
