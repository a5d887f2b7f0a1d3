import Foundation

/// A JSON value written the way the simulated venues' servers write theirs (the CPlugin, Magnr and cTrader faces):
/// object members in declaration order, every member present (`null` when empty), numbers as plain decimal text.
/// The one compact JSON writer of the simulator: ``ExactJSON`` and ``GsonValue`` are written through it.
///
/// Numbers are `Decimal`, already rounded by the caller (prices to the symbol's digits, money to cents), and are
/// written with `Decimal.description` (`1.08123`, `10000`, `-3.5`): never through `Double`, never in exponent form.
enum OrderedJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Decimal)
    /// A number already in JSON form, written as it is (an ``ExactJSON`` number, a Gson double).
    case literal(String)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    /// A string, or `null` when `value` is `nil`.
    static func optionalString(_ value: String?) -> OrderedJSON {
        value.map(OrderedJSON.string) ?? .null
    }

    /// A number, or `null` when `value` is `nil`.
    static func optionalNumber(_ value: Decimal?) -> OrderedJSON {
        value.map(OrderedJSON.number) ?? .null
    }

    /// The compact JSON text.
    var text: String {
        self.text(writingStrings: Self.writeString)
    }

    /// The compact JSON text, with strings (member names included) written by `writeString` (for a venue whose
    /// server escapes strings its own way).
    func text(writingStrings writeString: (String, inout String) -> Void) -> String {
        var out = ""
        self.write(into: &out, writeString)
        return out
    }

    private func write(into out: inout String, _ writeString: (String, inout String) -> Void) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let value): out += value.isFinite ? value.description : "0"
        case .literal(let text): out += text
        case .string(let value): writeString(value, &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(into: &out, writeString)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (name, value)) in members.enumerated() {
                if index > 0 { out += "," }
                writeString(name, &out)
                out += ":"
                value.write(into: &out, writeString)
            }
            out += "}"
        }
    }

    /// RFC 8259 escaping: quote, backslash and control characters; everything else is written as UTF-8.
    private static func writeString(_ value: String, into out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
