/// RFC 3339 parsing and formatting without Foundation date formatters (exact to the nanosecond).
extension Timestamp {
    private static let shapeRule =
        "timestamp must be RFC 3339 UTC like \"2025-03-14T09:30:00.125Z\" (Z suffix, 0-9 fraction digits)"

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, checking calendar ranges.
    static func parse(_ text: String) throws(RuleViolation) -> Timestamp {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { throw RuleViolation(rule: self.shapeRule) }
        func number(_ range: Range<Int>) throws(RuleViolation) -> Int64 {
            var value: Int64 = 0
            for index in range {
                guard WireSyntax.isDigit(bytes[index]) else { throw RuleViolation(rule: self.shapeRule) }
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        for (index, expected) in separators where bytes[index] != expected.asciiValue {
            throw RuleViolation(rule: self.shapeRule)
        }
        let (year, month, day) = (try number(0..<4), try number(5..<7), try number(8..<10))
        let (hour, minute, second) = (try number(11..<13), try number(14..<16), try number(17..<19))
        var index = 19
        var nanos: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, WireSyntax.isDigit(bytes[index]) { index += 1 }
            let digits = index - start
            guard (1...9).contains(digits) else { throw RuleViolation(rule: self.shapeRule) }
            nanos = try number(start..<index)
            for _ in digits..<9 { nanos *= 10 }
        }
        guard index < bytes.count else { throw RuleViolation(rule: self.shapeRule) }
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            throw RuleViolation(rule: "timestamp must be UTC with a \"Z\" suffix, not an offset")
        }
        guard bytes[index] == UInt8(ascii: "Z"), index + 1 == bytes.count else {
            throw RuleViolation(rule: self.shapeRule)
        }
        guard (1...12).contains(month) else { throw RuleViolation(rule: "timestamp month must be 01-12") }
        guard (1...self.daysInMonth(year: year, month: month)).contains(day) else {
            throw RuleViolation(rule: "timestamp day must exist in its month")
        }
        guard hour < 24 else { throw RuleViolation(rule: "timestamp hour must be 00-23") }
        guard minute < 60 else { throw RuleViolation(rule: "timestamp minute must be 00-59") }
        guard second < 60 else { throw RuleViolation(rule: "timestamp second must be 00-59 (no leap seconds)") }
        let days = self.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        return Timestamp(seconds: seconds, nanoseconds: Int32(nanos))
    }

    /// Formats as RFC 3339 UTC, checking that the year fits four digits.
    func checkedFormat() throws(RuleViolation) -> String {
        let (year, _, _) = Self.civilFromDays(self.seconds.floorDivided(by: 86_400))
        guard (0...9999).contains(year) else {
            throw RuleViolation(rule: "timestamp year must be 0000-9999 to be encoded")
        }
        return self.format()
    }

    /// Formats as RFC 3339 UTC with 3 to 9 fraction digits (trailing zeros trimmed, but at least milliseconds).
    func format() -> String {
        let days = self.seconds.floorDivided(by: 86_400)
        let secondOfDay = self.seconds - days * 86_400
        let (year, month, day) = Self.civilFromDays(days)
        var text = Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2) + "T"
        text += Self.pad(secondOfDay / 3_600, 2) + ":" + Self.pad(secondOfDay % 3_600 / 60, 2) + ":"
        text += Self.pad(secondOfDay % 60, 2) + "."
        var fraction = Self.pad(Int64(self.nanoseconds), 9)
        while fraction.count > 3, fraction.hasSuffix("0") { fraction.removeLast() }
        return text + fraction + "Z"
    }

    /// Whether the year fits the four digits RFC 3339 allows (``checkedFormat()`` refuses the others).
    var isEncodable: Bool {
        let (year, _, _) = Self.civilFromDays(self.seconds.floorDivided(by: 86_400))
        return (0...9999).contains(year)
    }

    /// Appends the same text as ``format()`` as UTF-8 bytes, without intermediate strings (the tick hot path).
    func appendRFC3339(to bytes: inout [UInt8]) {
        let days = self.seconds.floorDivided(by: 86_400)
        let secondOfDay = self.seconds - days * 86_400
        let (year, month, day) = Self.civilFromDays(days)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            if rest >= divisor * 10 {  // wider than `width`: fall back to all digits
                bytes.append(contentsOf: Array(String(value).utf8))
                return
            }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3_600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 3_600 / 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        bytes.append(UInt8(ascii: "."))
        var fraction = Int64(self.nanoseconds)
        var width = 9
        while width > 3, fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        digits(fraction, width)
        bytes.append(UInt8(ascii: "Z"))
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2:
            let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return isLeap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = shiftedYear.floorDivided(by: 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    private static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let (quotient, remainder) = self.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
