public import Foundation

/// A point in time with nanosecond precision, carried on the wire as an RFC 3339 UTC string
/// such as `"2025-03-14T09:30:00.125Z"`.
///
/// Decoding accepts only the `Z` form with 0-9 fraction digits and checks the calendar (month, day of month, hour,
/// minute, second; no leap second). Encoding writes 3 to 9 fraction digits (trailing zeros trimmed, but at least
/// milliseconds), so a decoded value re-encodes to the same instant exactly.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    public let seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public let nanoseconds: Int32

    /// Creates a timestamp; nanoseconds outside `0..<1_000_000_000` carry into ``seconds``.
    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        let carry = Int64(nanoseconds).quotientAndRemainder(dividingBy: 1_000_000_000)
        var (wholeSeconds, remainder) = (seconds + carry.quotient, carry.remainder)
        if remainder < 0 {
            wholeSeconds -= 1
            remainder += 1_000_000_000
        }
        self.seconds = wholeSeconds
        self.nanoseconds = Int32(remainder)
    }

    /// Creates a timestamp from a `Date`, rounded to the microsecond: a `Date` holds about that much (a `Double` of
    /// seconds since 1970), so finer digits would only be noise (`…10.776000023Z` for a venue's `…10.776`).
    public init(date: Date) {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        let micros = ((interval - whole) * 1_000_000).rounded()
        self.init(seconds: Int64(whole), nanoseconds: Int32(micros) * 1_000)
    }

    /// The same instant as a `Date` (rounded to `Date`'s precision).
    public var date: Date {
        Date(timeIntervalSince1970: Double(self.seconds) + Double(self.nanoseconds) / 1_000_000_000)
    }

    /// The current time.
    public static func now() -> Timestamp { Timestamp(date: Date()) }

    /// Parses an RFC 3339 UTC string such as `"2025-03-14T09:30:00.125Z"`.
    /// - Throws: ``MessageError`` with code `invalidValue` and an empty pointer.
    public init(rfc3339String text: String) throws(MessageError) {
        do {
            self = try Self.parse(text)
        } catch {
            throw MessageError(.invalidValue, pointer: "", rule: error.rule)
        }
    }

    /// The RFC 3339 UTC form, for example `"2025-03-14T09:30:00.125Z"`. Years outside 0000-9999 cannot be encoded
    /// on the wire; for them this returns a best-effort form that decoding rejects.
    public var rfc3339String: String { self.format() }

    /// Same as ``rfc3339String``.
    public var description: String { self.rfc3339String }

    /// Orders timestamps by instant.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// Decodes from an RFC 3339 UTC string; errors are ``MessageError``s pointing at this value.
    public init(from decoder: any Decoder) throws {
        let pointer = JSONPointer.make(JSONPointer.tokens(decoder.codingPath))
        let text: String
        do {
            text = try decoder.singleValueContainer().decode(String.self)
        } catch {
            throw MessageError(.wrongType, pointer: pointer, rule: Self.typeRule, underlying: error)
        }
        do {
            self = try Self.parse(text)
        } catch {
            throw MessageError(.invalidValue, pointer: pointer, rule: error.rule)
        }
    }

    /// Encodes as an RFC 3339 UTC string.
    /// - Throws: ``MessageError`` (`invalidValue`) when the year is outside 0000-9999.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        do {
            try container.encode(try self.checkedFormat())
        } catch let violation as RuleViolation {
            let pointer = JSONPointer.make(JSONPointer.tokens(encoder.codingPath))
            throw MessageError(.invalidValue, pointer: pointer, rule: violation.rule)
        }
    }

    static let typeRule = "timestamp must be a JSON string like \"2025-03-14T09:30:00.125Z\""
}
