/// A broken rule found by a syntax check, before it is tied to a JSON pointer.
struct RuleViolation: Error, Sendable {
    var code: MessageError.Code = .invalidValue
    var rule: String
}

/// A coding key for any JSON object member name, used to read and write messages field by field.
struct AnyCodingKey: CodingKey, Hashable, Sendable {
    var stringValue: String
    var intValue: Int?

    init(_ name: String) {
        self.stringValue = name
        self.intValue = nil
    }

    init?(stringValue: String) { self.init(stringValue) }

    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// RFC 6901 JSON pointers built from coding paths.
enum JSONPointer {
    /// The reference tokens of a coding path (array indices as decimal numbers).
    static func tokens(_ codingPath: [any CodingKey]) -> [String] {
        codingPath.map { key in key.intValue.map(String.init) ?? key.stringValue }
    }

    /// Joins reference tokens into a pointer, escaping `~` and `/`.
    static func make(_ tokens: [String]) -> String {
        var pointer = ""
        for token in tokens {
            pointer += "/"
            pointer += token.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
        }
        return pointer
    }

    /// Whether `text` is a syntactically valid JSON pointer (`""` or `/`-separated tokens, `~` only as `~0`/`~1`).
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return true }
        guard bytes[0] == UInt8(ascii: "/") else { return false }
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "~") {
                guard index + 1 < bytes.count,
                    bytes[index + 1] == UInt8(ascii: "0") || bytes[index + 1] == UInt8(ascii: "1")
                else { return false }
                index += 1
            }
            index += 1
        }
        return true
    }
}

extension String {
    /// Replaces every occurrence of `target` (Foundation-free).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard self.contains(target) else { return self }
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}

/// Hand-written equivalents of the string patterns in `schemas/common.v1.json`.
enum WireSyntax {
    /// Whether every byte is ASCII and matches, and the length is within `length`.
    static func matches(
        _ text: String,
        length: ClosedRange<Int>,
        first: (UInt8) -> Bool,
        rest: (UInt8) -> Bool
    ) -> Bool {
        var count = 0
        for byte in text.utf8 {
            guard count == 0 ? first(byte) : rest(byte) else { return false }
            count += 1
        }
        return length.contains(count)
    }

    static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || isDigit(byte)
    }

    static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// `^[a-z0-9][a-z0-9._-]{0,63}$`
    static func isVenueID(_ text: String) -> Bool {
        matches(text, length: 1...64, first: isLowerAlnum) { isLowerAlnum($0) || "._-".utf8.contains($0) }
    }

    /// `^[A-Za-z0-9._:-]{1,64}$`
    static func isClientOrderID(_ text: String) -> Bool {
        matches(text, length: 1...64, first: { isClientOrderIDByte($0) }, rest: { isClientOrderIDByte($0) })
    }

    private static func isClientOrderIDByte(_ byte: UInt8) -> Bool { isAlnum(byte) || "._:-".utf8.contains(byte) }

    /// `^[A-Za-z0-9._/#*-]+$` with at most 32 characters.
    static func isSymbol(_ text: String) -> Bool {
        matches(text, length: 1...32, first: { isSymbolByte($0) }, rest: { isSymbolByte($0) })
    }

    private static func isSymbolByte(_ byte: UInt8) -> Bool { isAlnum(byte) || "._/#*-".utf8.contains(byte) }

    /// `^[a-z][a-z0-9_]*$`
    static func isSnakeCaseCode(_ text: String) -> Bool {
        matches(text, length: 1...Int.max, first: { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) {
            isLowerAlnum($0) || $0 == UInt8(ascii: "_")
        }
    }

    /// 8-4-4-4-12 hexadecimal digits, either case.
    static func isUUID(_ text: String) -> Bool {
        var count = 0
        for byte in text.utf8 {
            if count == 8 || count == 13 || count == 18 || count == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard isHex(byte) else { return false }
            }
            count += 1
        }
        return count == 36
    }

    /// Standard base64 with padding: `^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`.
    static func isBase64(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return false }
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "=") {
                let fromEnd = bytes.count - index
                guard fromEnd == 1 || (fromEnd == 2 && bytes[index + 1] == UInt8(ascii: "=")) else { return false }
            } else {
                guard isAlnum(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") else { return false }
            }
        }
        return true
    }

    /// Whether a value may be echoed in an error description: short and made of lowercase letters and `_` only,
    /// like an enum value, so that it cannot be a secret or a free-text payload.
    static func echo(_ text: String) -> String {
        let isSafe = matches(text, length: 1...20, first: isLowerLetterOrUnderscore, rest: isLowerLetterOrUnderscore)
        return isSafe ? ", got \"\(text)\"" : ""
    }

    private static func isLowerLetterOrUnderscore(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "_")
    }
}
