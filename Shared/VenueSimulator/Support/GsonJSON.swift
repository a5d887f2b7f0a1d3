/// A JSON value rendered the way Gson renders it (MT4Server serialises its case classes with Gson).
///
/// Objects keep their field order (Gson writes fields in declaration order), doubles use
/// ``JavaDouble`` (`0.0`, `1.0E7`) and strings use Gson's HTML-safe escaping.
enum GsonValue: Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case object([(String, GsonValue)])
    case array([GsonValue])

    /// The compact JSON text.
    var json: String {
        self.ordered.text(writingStrings: Self.writeString)
    }

    /// The same value for ``OrderedJSON`` to write.
    private var ordered: OrderedJSON {
        switch self {
        case .string(let value): .string(value)
        case .int(let value): .int(value)
        // Gson refuses NaN and infinities by default; a simulator must never produce them.
        case .double(let value): .literal(value.isFinite ? JavaDouble.format(value) : "0.0")
        case .object(let fields): .object(fields.map { ($0.0, $0.1.ordered) })
        case .array(let values): .array(values.map(\.ordered))
        }
    }

    /// Gson's `JsonWriter` escaping with `htmlSafe` on (its default).
    private static func writeString(_ value: String, into out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<", ">", "&", "=", "'", "\u{2028}", "\u{2029}":
                out += Self.unicodeEscape(scalar)
            default:
                if scalar.value < 0x20 {
                    out += Self.unicodeEscape(scalar)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
