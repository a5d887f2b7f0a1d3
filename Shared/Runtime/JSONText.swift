/// Minimal JSON text helpers for the hand-written outputs (log lines, `/health`), where a JSONEncoder round trip per
/// line would cost more than it gives.
enum JSONText {
    private static let hex: [Character] = Array("0123456789abcdef")

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                out += "\\u00"
                out.append(Self.hex[Int(control.value >> 4)])
                out.append(Self.hex[Int(control.value & 0xF)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }
}
