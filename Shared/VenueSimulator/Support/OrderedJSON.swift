import Foundation

/// A JSON value written the way the simulated venues' servers write theirs (the CPlugin and Magnr faces): object
/// members in declaration order, every member present (`null` when empty), numbers as plain decimal text.
///
/// Numbers are `Decimal`, already rounded by the caller (prices to the symbol's digits, money to cents), and are
/// written with `Decimal.description` (`1.08123`, `10000`, `-3.5`): never through `Double`, never in exponent form.
enum OrderedJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Decimal)
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
        var out = ""
        self.write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let value): out += value.isFinite ? value.description : "0"
        case .string(let value): Self.writeString(value, into: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (name, value)) in members.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(name, into: &out)
                out += ":"
                value.write(into: &out)
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
