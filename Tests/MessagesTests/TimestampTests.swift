import Foundation
import Messages
import Testing

/// RFC 3339 UTC timestamps with nanosecond precision.
@Suite struct TimestampTests {
    @Test(
        arguments: [
            ("2025-03-14T09:30:00.125Z", 1_741_944_600, 125_000_000, "2025-03-14T09:30:00.125Z"),
            ("2025-03-14T09:30:00Z", 1_741_944_600, 0, "2025-03-14T09:30:00.000Z"),
            ("2025-03-14T09:30:00.1Z", 1_741_944_600, 100_000_000, "2025-03-14T09:30:00.100Z"),
            ("2025-03-14T09:30:00.120000Z", 1_741_944_600, 120_000_000, "2025-03-14T09:30:00.120Z"),
            ("2025-03-14T09:30:00.000001Z", 1_741_944_600, 1_000, "2025-03-14T09:30:00.000001Z"),
            ("2025-03-14T09:30:00.12340Z", 1_741_944_600, 123_400_000, "2025-03-14T09:30:00.1234Z"),
            ("2025-03-14T09:30:00.000000010Z", 1_741_944_600, 10, "2025-03-14T09:30:00.00000001Z"),
            ("2025-03-14T09:30:00.123456789Z", 1_741_944_600, 123_456_789, "2025-03-14T09:30:00.123456789Z"),
            ("1970-01-01T00:00:00Z", 0, 0, "1970-01-01T00:00:00.000Z"),
            ("1969-12-31T23:59:59.999999999Z", -1, 999_999_999, "1969-12-31T23:59:59.999999999Z"),
            ("2000-02-29T12:00:00Z", 951_825_600, 0, "2000-02-29T12:00:00.000Z"),
            ("0000-01-01T00:00:00Z", -62_167_219_200, 0, "0000-01-01T00:00:00.000Z"),
            ("9999-12-31T23:59:59.5Z", 253_402_300_799, 500_000_000, "9999-12-31T23:59:59.500Z"),
        ] as [(String, Int64, Int32, String)])
    func parsesAndFormats(_ text: String, _ seconds: Int64, _ nanoseconds: Int32, _ formatted: String) throws {
        let timestamp = try Timestamp(rfc3339String: text)
        #expect(timestamp == Timestamp(seconds: seconds, nanoseconds: nanoseconds))
        #expect(timestamp.rfc3339String == formatted)
        #expect(try Timestamp(rfc3339String: formatted) == timestamp)
    }

    @Test(arguments: [
        ("2025-03-14T10:30:00.125+01:00", "not an offset"), ("2025-03-14T04:30:00-05:00", "not an offset"),
        ("2025-03-14T09:30:00z", "RFC 3339"), ("2025-03-14t09:30:00Z", "RFC 3339"),
        ("2025-03-14 09:30:00Z", "RFC 3339"),
        ("2025-03-14T09:30:00", "RFC 3339"), ("2025-03-14T09:30:00.Z", "RFC 3339"),
        ("2025-03-14T09:30:00.1234567891Z", "RFC 3339"), ("25-03-14T09:30:00Z", "RFC 3339"), ("", "RFC 3339"),
        ("2025-03-14", "RFC 3339"), ("2025-03-14T09:30:00Z ", "RFC 3339"), ("2025-3-14T09:30:00Z", "RFC 3339"),
        ("2025-00-14T09:30:00Z", "month"), ("2025-13-14T09:30:00Z", "month"), ("2025-03-00T09:30:00Z", "day"),
        ("2025-02-29T09:30:00Z", "day"), ("1900-02-29T09:30:00Z", "day"), ("2025-04-31T09:30:00Z", "day"),
        ("2025-03-14T24:00:00Z", "hour"), ("2025-03-14T09:60:00Z", "minute"), ("2025-03-14T23:59:60Z", "second"),
    ])
    func rejectsNonUTCAndImpossibleTimes(_ text: String, _ ruleFragment: String) {
        #expect {
            _ = try Timestamp(rfc3339String: text)
        } throws: { error in
            (error as? MessageError).map { $0.code == .invalidValue && $0.rule.contains(ruleFragment) } ?? false
        }
    }

    @Test func normalizesNanoseconds() {
        #expect(Timestamp(seconds: 0, nanoseconds: -1) == Timestamp(seconds: -1, nanoseconds: 999_999_999))
        #expect(Timestamp(seconds: 0, nanoseconds: 1_500_000_000) == Timestamp(seconds: 1, nanoseconds: 500_000_000))
    }

    @Test func convertsToAndFromDate() {
        let timestamp = Timestamp(date: Date(timeIntervalSince1970: 1_741_944_600.25))
        #expect(timestamp == Timestamp(seconds: 1_741_944_600, nanoseconds: 250_000_000))
        #expect(timestamp.date == Date(timeIntervalSince1970: 1_741_944_600.25))
        #expect(Timestamp(date: Date(timeIntervalSince1970: -0.5)) == Timestamp(seconds: -1, nanoseconds: 500_000_000))
        #expect(abs(Timestamp.now().date.timeIntervalSinceNow) < 5)
    }

    @Test func ordersByInstant() throws {
        let texts = [
            "2025-03-14T09:30:00.2Z", "1969-12-31T23:59:59Z", "2025-03-14T09:30:00.1Z", "2025-03-14T09:30:00Z",
        ]
        let sorted = try texts.map { try Timestamp(rfc3339String: $0) }.sorted().map(\.rfc3339String)
        #expect(
            sorted == [
                "1969-12-31T23:59:59.000Z", "2025-03-14T09:30:00.000Z", "2025-03-14T09:30:00.100Z",
                "2025-03-14T09:30:00.200Z",
            ])
    }

    @Test func roundTripsNanosecondsThroughAMessage() throws {
        var tick = try exampleObject("tick", "valid-mt4-eurusd.json")
        tick["receivedAt"] = "2025-03-14T09:30:00.401204009Z"
        let decoded = try WireFormat.decode(Tick.self, from: try jsonData(tick))
        #expect(decoded.receivedAt.nanoseconds == 401_204_009)
        let again = try WireFormat.decode(Tick.self, from: try WireFormat.encode(decoded))
        #expect(again.receivedAt == decoded.receivedAt)
    }

    @Test func isCodableAsAString() throws {
        let timestamp = Timestamp(seconds: 1_741_944_600, nanoseconds: 125_000_000)
        let data = try JSONEncoder().encode([timestamp])
        #expect(String(decoding: data, as: UTF8.self) == "[\"2025-03-14T09:30:00.125Z\"]")
        #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [timestamp])
        #expect(throws: MessageError.self) { try JSONDecoder().decode([Timestamp].self, from: Data("[\"x\"]".utf8)) }
    }

    @Test func refusesToEncodeYearsBeyond9999() {
        let tooLate = Timestamp(seconds: 253_402_300_800)
        #expect {
            _ = try JSONEncoder().encode([tooLate])
        } throws: { error in
            (error as? MessageError).map { $0.code == .invalidValue && $0.pointer == "/0" } ?? false
        }
    }
}
