import Foundation
import Messages

/// The `MT4TradeTransaction` DTO: the body of `POST TradeTransaction` and, echoed, its `data`.
///
/// Read the way ASP.NET Core's web JSON defaults read it: property names case-insensitive, unknown properties
/// ignored, numbers also accepted as numeric strings, absent properties left at their defaults (0, `null`, the MT4
/// epoch for `expiration`). A value of the wrong type, a fraction or out-of-range number for an `int32`, `null` for
/// a non-nullable member or a body that is not a JSON object is a ``ParseError`` naming the member, in
/// System.Text.Json's words. Enum members (`tradeTransactionType`, `tradeCommand`, `tradeRequestFlags`) are plain
/// strings holding the enum name; they are matched case-sensitively by the trading logic.
struct CPluginTradeTransaction: Sendable {
    var tradeTransactionType: String?
    var tradeCommand: String?
    var tradeRequestFlags: String?
    var expiration: Date = .mt4Epoch
    var order: Int32 = 0
    var orderBy: Int32 = 0
    var symbol: String?
    var volume: Int32 = 0
    var price: Decimal = 0
    var sl: Decimal = 0
    var tp: Decimal = 0
    var ieDeviation: Int32 = 0
    var comment: String?
    var crc: Int32 = 0

    /// Why a body could not be read (the `Validation` error's message).
    struct ParseError: Error, Sendable {
        var message: String
    }

    /// Reads a request body.
    static func parse(_ bytes: [UInt8]) -> Result<Self, ParseError> {
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            return .failure(ParseError(message: "A non-empty request body is required."))
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            return .failure(ParseError(message: "The request body is not valid JSON. Path: $"))
        }
        guard case .object(let object) = value else {
            return .failure(ParseError(message: Self.conversionMessage("MT4TradeTransaction", path: "$")))
        }
        var members: Members = [:]
        for (name, member) in object { members[name.lowercased()] = (name, member) }
        var result = Self()
        do throws(ParseError) {
            result.tradeTransactionType = try Self.string(members, "tradeTransactionType")
            result.tradeCommand = try Self.string(members, "tradeCommand")
            result.tradeRequestFlags = try Self.string(members, "tradeRequestFlags")
            result.symbol = try Self.string(members, "symbol")
            result.comment = try Self.string(members, "comment")
            result.order = try Self.int32(members, "order") ?? 0
            result.orderBy = try Self.int32(members, "orderBy") ?? 0
            result.volume = try Self.int32(members, "volume") ?? 0
            result.ieDeviation = try Self.int32(members, "ieDeviation") ?? 0
            result.crc = try Self.int32(members, "crc") ?? 0
            result.price = try Self.double(members, "price") ?? 0
            result.sl = try Self.double(members, "sl") ?? 0
            result.tp = try Self.double(members, "tp") ?? 0
            result.expiration = try Self.dateTime(members, "expiration") ?? .mt4Epoch
        } catch {
            return .failure(error)
        }
        return .success(result)
    }

    /// The echo: every member in the schema's order, prices rounded to `digits` (when the symbol is known).
    func json(digits: Int?) -> OrderedJSON {
        func price(_ value: Decimal) -> OrderedJSON {
            .number(digits.map { value.rounded(scale: $0) } ?? value)
        }
        return .object([
            ("tradeTransactionType", .optionalString(self.tradeTransactionType)),
            ("tradeCommand", .optionalString(self.tradeCommand)),
            ("tradeRequestFlags", .optionalString(self.tradeRequestFlags)),
            ("expiration", .dateTime(self.expiration)),
            ("order", .int(Int64(self.order))),
            ("orderBy", .int(Int64(self.orderBy))),
            ("symbol", .optionalString(self.symbol)),
            ("volume", .int(Int64(self.volume))),
            ("price", price(self.price)),
            ("sl", price(self.sl)),
            ("tp", price(self.tp)),
            ("ieDeviation", .int(Int64(self.ieDeviation))),
            ("comment", .optionalString(self.comment)),
            ("crc", .int(Int64(self.crc))),
        ])
    }

    // MARK: - Member readers

    private typealias Members = [String: (name: String, value: JSONValue)]

    private static func conversionMessage(_ type: String, path: String) -> String {
        "The JSON value could not be converted to \(type). Path: \(path)"
    }

    private static func fail(_ type: String, _ members: Members, _ name: String) -> ParseError {
        ParseError(message: Self.conversionMessage(type, path: "$." + (members[name.lowercased()]?.name ?? name)))
    }

    private static func string(_ members: Members, _ name: String) throws(ParseError) -> String? {
        switch members[name.lowercased()]?.value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw Self.fail("System.String", members, name)
        }
    }

    private static func number(_ members: Members, _ name: String, type: String) throws(ParseError) -> Decimal? {
        switch members[name.lowercased()]?.value {
        case nil: return nil
        case .number(let value)?: return value
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard trimmed.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil,
                let value = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX"))
            else { throw Self.fail(type, members, name) }
            return value
        default: throw Self.fail(type, members, name)
        }
    }

    private static func int32(_ members: Members, _ name: String) throws(ParseError) -> Int32? {
        guard let value = try Self.number(members, name, type: "System.Int32") else { return nil }
        guard value.rounded(scale: 0) == value, value >= Decimal(Int(Int32.min)), value <= Decimal(Int(Int32.max)),
            let exact = Int32(value.description)
        else { throw Self.fail("System.Int32", members, name) }
        return exact
    }

    private static func double(_ members: Members, _ name: String) throws(ParseError) -> Decimal? {
        guard let value = try Self.number(members, name, type: "System.Double") else { return nil }
        guard value.isFinite, abs(value) < 1_000_000_000_000 else { throw Self.fail("System.Double", members, name) }
        return value
    }

    private static func dateTime(_ members: Members, _ name: String) throws(ParseError) -> Date? {
        switch members[name.lowercased()]?.value {
        case nil: return nil
        case .string(let text)?:
            guard let date = Self.parseDateTime(text) else { throw Self.fail("System.DateTime", members, name) }
            return date
        default: throw Self.fail("System.DateTime", members, name)
        }
    }

    /// ISO 8601 as System.Text.Json reads it: `yyyy-MM-ddTHH:mm:ss[.fffffff][Z|±HH:MM]`; no zone means UTC.
    static func parseDateTime(_ text: String) -> Date? {
        let pattern = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?/
        guard let match = text.wholeMatch(of: pattern),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
            let hour = Int(match.4), let minute = Int(match.5), let second = Int(match.6)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard components.isValidDate(in: calendar), hour < 24, minute < 60, second < 60,
            var date = calendar.date(from: components)
        else { return nil }
        if let fraction = match.7.flatMap({ Double("0" + $0) }) {
            date += fraction
        }
        if let zone = match.8, zone != "Z" {
            let sign: Double = zone.hasPrefix("-") ? -1 : 1
            let parts = zone.dropFirst().split(separator: ":").compactMap { Double($0) }
            guard parts.count == 2, parts[0] < 24, parts[1] < 60 else { return nil }
            date -= sign * (parts[0] * 3_600 + parts[1] * 60)
        }
        return date
    }
}
