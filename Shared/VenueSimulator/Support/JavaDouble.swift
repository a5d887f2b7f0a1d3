/// Formats a `Double` the way Java's `Double.toString` does.
///
/// MT4Server (Scala on the JVM) renders balances with `Double.toString` and its JSON bodies with Gson,
/// which uses the same algorithm: the shortest digits that round-trip, printed plainly with at least one
/// fractional digit when `1e-3 <= |x| < 1e7` (`10000.0`, `10012.5`, `0.001`), otherwise in computerised
/// scientific notation (`1.0E7`, `1.2345E-4`). `NaN`, `Infinity` and `-0.0` are spelled as in Java.
public enum JavaDouble {
    /// Returns `value` as Java's `Double.toString(value)` would.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let sign = value < 0 ? "-" : ""
        let (digits, pointIndex) = self.shortestDigits(of: Swift.abs(value))
        if (-2...7).contains(pointIndex) {
            return sign + self.plain(digits: digits, pointIndex: pointIndex)
        }
        let head = digits.prefix(1)
        let tail = digits.dropFirst()
        return sign + head + "." + (tail.isEmpty ? "0" : String(tail)) + "E" + String(pointIndex - 1)
    }

    /// Lays out significant `digits` with the decimal point `pointIndex` digits from their start.
    private static func plain(digits: String, pointIndex: Int) -> String {
        let characters = Array(digits)
        if pointIndex <= 0 {
            return "0." + String(repeating: "0", count: -pointIndex) + digits
        }
        if pointIndex >= characters.count {
            return digits + String(repeating: "0", count: pointIndex - characters.count) + ".0"
        }
        return String(characters[..<pointIndex]) + "." + String(characters[pointIndex...])
    }

    /// Splits Swift's shortest round-trip rendering of a positive finite value into its significant
    /// digits (no leading or trailing zeros) and the position of the decimal point relative to them.
    static func shortestDigits(of value: Double) -> (digits: String, pointIndex: Int) {
        let text = value.description  // for example "10012.5", "1e+16", "1.2345e-05"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let integerPart: Substring
        let fractionPart: Substring
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        } else {
            integerPart = mantissa
            fractionPart = ""
        }
        var all = Array(integerPart + fractionPart)
        var pointIndex = integerPart.count + exponent
        while let first = all.first, first == "0", all.count > 1 {
            all.removeFirst()
            pointIndex -= 1
        }
        while let last = all.last, last == "0", all.count > 1 {
            all.removeLast()
        }
        return (String(all), pointIndex)
    }
}
