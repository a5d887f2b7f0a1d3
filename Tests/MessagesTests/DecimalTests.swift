import Foundation
import Messages
import Testing

/// Decimals on the wire: JSON strings in plain notation, `Foundation.Decimal` in memory, exact round trips.
@Suite struct DecimalTests {
    /// A tick whose `bid` (a positive decimal) is the raw JSON fragment `bid`.
    private func tick(bid: String) -> String {
        """
        {"schema":"tick/v1","venue":"mt4-ava","symbol":"EURUSD","bid":\(bid),"ask":"1.2",\
        "venueTime":"2025-03-14T09:30:00Z","receivedAt":"2025-03-14T09:30:00.001Z","seq":1}
        """
    }

    private func decodeBid(_ text: String) throws -> Decimal {
        try WireFormat.decode(Tick.self, from: Data(self.tick(bid: "\"\(text)\"").utf8)).bid
    }

    /// The `bid` string the encoder writes for `value`.
    private func encodedBid(_ value: Decimal) throws -> String {
        let tick = Tick(
            venue: "mt4-ava", symbol: "EURUSD", bid: value, ask: 2, venueTime: .init(seconds: 0),
            receivedAt: .init(seconds: 0), seq: 1)
        let object = try JSONSerialization.jsonObject(with: try WireFormat.encode(tick)) as? [String: Any]
        return try #require(object?["bid"] as? String)
    }

    @Test(arguments: [
        "0.11", "1", "100", "0.00000001", "1.08455", "10.50", "0.000000000000000001",
        "12345678901234567890.123456789012345678", "99999999999999999999.999999999999999999",
    ])
    func acceptsPlainPositiveDecimals(_ text: String) throws {
        let value = try self.decodeBid(text)
        #expect(value == Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")))
    }

    @Test(arguments: [
        ("", "must not be empty"), (" 1", "plain notation"), ("1 ", "plain notation"), ("+1", "\"+\" sign"),
        ("-1", "must not be negative"), ("1e3", "plain notation"), ("1E-3", "plain notation"),
        ("NaN", "plain notation"), ("Infinity", "plain notation"), ("0", "greater than zero"),
        ("0.000", "greater than zero"), ("01", "leading zeros"), ("00.5", "leading zeros"),
        ("1.", "end with"), (".5", "plain notation"), ("1.2.3", "plain notation"), ("1,5", "plain notation"),
        ("0x1A", "plain notation"), ("１", "plain notation"), ("123456789012345678901", "20 integer digits"),
        ("0.1234567890123456789", "18 fraction digits"),
    ])
    func rejectsMalformedDecimals(_ text: String, _ ruleFragment: String) throws {
        let error = try #require(decodeError(Tick.self, self.tick(bid: "\"\(text)\"")))
        #expect(error.code == .invalidValue)
        #expect(error.pointer == "/bid")
        #expect(error.rule.contains(ruleFragment), "\(error)")
    }

    @Test(arguments: [
        ("1.5", "a number"), ("1000", "a number"), ("true", "a boolean"), ("null", "null"),
        ("[\"1\"]", "an array"), ("{\"v\":\"1\"}", "an object"),
    ])
    func rejectsDecimalsThatAreNotStrings(_ fragment: String, _ kind: String) throws {
        let error = try #require(decodeError(Tick.self, self.tick(bid: fragment)))
        #expect(error.code == .wrongType)
        #expect(error.pointer == "/bid")
        #expect(error.rule == "decimal must be a JSON string like \"0.11\", got \(kind)")
    }

    @Test(arguments: [
        "0.00000001", "12345678901234567890.123456789012345678", "100", "0.11", "1.08455", "67015.25",
        "99999999999999999999.999999999999999999", "0.000000000000000001", "10000000000000000000",
    ])
    func roundTripsExactly(_ text: String) throws {
        let value = try self.decodeBid(text)
        let encoded = try self.encodedBid(value)
        #expect(encoded == text)
        #expect(try self.decodeBid(encoded) == value)
    }

    @Test func encodesTrailingZerosAway() throws {
        #expect(try self.encodedBid(self.decodeBid("10.50")) == "10.5")
        #expect(try self.encodedBid(self.decodeBid("2.000")) == "2")
    }

    @Test func neverEncodesExponentNotation() throws {
        let values: [Decimal] = [
            Decimal(sign: .plus, exponent: -8, significand: 1),
            Decimal(sign: .plus, exponent: -18, significand: 5),
            Decimal(sign: .plus, exponent: 19, significand: 1),
            Decimal(sign: .plus, exponent: 6, significand: 123),
        ]
        for value in values {
            let text = try self.encodedBid(value)
            #expect(!text.contains("e") && !text.contains("E"), "\(text)")
            #expect(try self.decodeBid(text) == value)
        }
    }

    @Test func refusesToEncodeValuesTheSchemaRejects() {
        let cases: [(Decimal, String)] = [
            (Decimal(1) / Decimal(3), "18 fraction digits"),
            (Decimal(sign: .plus, exponent: 20, significand: 1), "20 integer digits"),
            (Decimal(-1), "must not be negative"),
            (Decimal(0), "greater than zero"),
            (Decimal.nan, "finite"),
        ]
        for (value, ruleFragment) in cases {
            #expect {
                _ = try self.encodedBid(value)
            } throws: { error in
                guard let error = error as? MessageError else { return false }
                return error.code == .invalidValue && error.pointer == "/bid" && error.rule.contains(ruleFragment)
            }
        }
    }

    @Test func signedDecimalsAllowMinusButNotMinusZero() throws {
        var fill = try exampleObject("fill", "valid-mt4-with-fee.json")
        for accepted in ["-0.02", "0", "0.35", "-12345678901234567890.5"] {
            fill["fee"] = accepted
            let decoded = try WireFormat.decode(Fill.self, from: try jsonData(fill))
            #expect(decoded.fee == Decimal(string: accepted, locale: Locale(identifier: "en_US_POSIX")))
        }
        for rejected in ["-0", "-0.000", "--1", "- 1", "-", "+0.35"] {
            fill["fee"] = rejected
            #expect(throws: MessageError.self, "\(rejected)") {
                try WireFormat.decode(Fill.self, from: try jsonData(fill))
            }
        }
    }

    @Test func nonNegativeDecimalsAllowZero() throws {
        var report = try exampleObject("execution-report", "valid-filled-market.json")
        for accepted in ["0", "0.000", "0.1"] {
            report["filledQuantity"] = accepted
            _ = try WireFormat.decode(ExecutionReport.self, from: try jsonData(report))
        }
        report["filledQuantity"] = "-0.1"
        #expect(throws: MessageError.self) { try WireFormat.decode(ExecutionReport.self, from: try jsonData(report)) }
    }
}
