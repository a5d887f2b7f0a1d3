import Foundation

/// Which decimal values a field accepts; each matches one `$defs` entry of `schemas/common.v1.json`.
enum DecimalKind: Sendable {
    /// `positiveDecimal`: greater than zero (prices, quantities).
    case positive
    /// `nonNegativeDecimal`: zero or more (filled quantity).
    case nonNegative
    /// `signedDecimal`: any sign, but not `-0` (fees).
    case signed
}

/// Decimal numbers on the wire: JSON strings in plain notation, parsed into `Foundation.Decimal`.
///
/// The grammar is the one of the schema patterns: an optional `-` (signed fields only), 1-20 integer digits without
/// leading zeros, and an optional `.` with 1-18 fraction digits. No exponent, no `+`, no spaces, no NaN or Infinity.
enum WireDecimal {
    /// Digits allowed before the decimal point.
    static let maxIntegerDigits = 20
    /// Digits allowed after the decimal point.
    static let maxFractionDigits = 18

    private static let posix = Locale(identifier: "en_US_POSIX")

    private static let plainNotation =
        "decimal must be plain notation like \"0.11\" (digits with an optional \".\" fraction; "
        + "no exponent, spaces, NaN or Infinity)"

    /// Parses a decimal string, checking the wire grammar for `kind` first.
    static func parse(_ text: String, kind: DecimalKind) throws(RuleViolation) -> Decimal {
        if let rule = self.violation(of: text, kind: kind) { throw RuleViolation(rule: rule) }
        guard let value = Decimal(string: text, locale: self.posix), !value.isNaN else {
            throw RuleViolation(rule: self.plainNotation)
        }
        return value
    }

    /// Formats a decimal in plain notation and checks that the result is valid for `kind`.
    static func format(_ value: Decimal, kind: DecimalKind) throws(RuleViolation) -> String {
        guard value.isFinite else { throw RuleViolation(rule: "decimal must be a finite number, got NaN") }
        let text = value.description
        if let rule = self.violation(of: text, kind: kind) {
            throw RuleViolation(rule: rule + " (round the value before encoding)")
        }
        return text
    }

    /// Returns the broken rule, or `nil` if `text` is a valid decimal for `kind`.
    static func violation(of text: String, kind: DecimalKind) -> String? {
        let bytes = Array(text.utf8)
        guard let firstByte = bytes.first else { return "decimal must not be empty" }
        var index = 0
        var isNegative = false
        if firstByte == UInt8(ascii: "-") {
            guard kind == .signed else { return "decimal must not be negative" }
            isNegative = true
            index = 1
        } else if firstByte == UInt8(ascii: "+") {
            return "decimal must not carry a \"+\" sign"
        }
        let integerStart = index
        while index < bytes.count, WireSyntax.isDigit(bytes[index]) { index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0 else { return self.plainNotation }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { return "decimal must not have leading zeros" }
        if integerDigits > self.maxIntegerDigits { return "decimal must have at most 20 integer digits" }
        var isZero = bytes[integerStart..<index].allSatisfy { $0 == UInt8(ascii: "0") }
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: ".") else { return self.plainNotation }
            index += 1
            let fractionStart = index
            while index < bytes.count, WireSyntax.isDigit(bytes[index]) { index += 1 }
            let fractionDigits = index - fractionStart
            if index < bytes.count { return self.plainNotation }
            if fractionDigits == 0 { return "decimal must not end with a \".\"" }
            if fractionDigits > self.maxFractionDigits { return "decimal must have at most 18 fraction digits" }
            isZero = isZero && bytes[fractionStart..<index].allSatisfy { $0 == UInt8(ascii: "0") }
        }
        if isZero, kind == .positive { return "decimal must be greater than zero" }
        if isZero, isNegative { return "decimal must not be negative zero" }
        return nil
    }
}
