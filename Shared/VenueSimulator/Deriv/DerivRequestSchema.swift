import Foundation

/// The subset of JSON Schema draft-04 the vendor's request schemas (`config/v3/<call>/send.json`) use, as Swift
/// values: objects with `properties`, `required` and `additionalProperties: false`, integers and numbers with `enum`,
/// `minimum` and `maximum`, strings with `enum` and `pattern`, arrays with `items`, `maxItems` and `uniqueItems`,
/// `oneOf`, and nullable numbers (`"type": ["null", "number"]`).
///
/// Draft-04 semantics are kept where they differ from later drafts: an `integer` is a number literal without
/// fraction or exponent (`1.0` is not an integer). Integers must also fit 64 bits (simulator choice, unverified).
indirect enum DerivRequestSchema: Sendable {
    case object(properties: [(String, DerivRequestSchema)], required: [String] = [])
    /// `{"type": "object"}` without further constraints (`passthrough`).
    case anyObject
    case integer(values: [Int64]? = nil, minimum: Int64? = nil, maximum: Int64? = nil)
    case number(minimum: Decimal? = nil, nullable: Bool = false)
    case string(values: [String]? = nil, pattern: DerivPattern? = nil)
    case array(items: DerivRequestSchema, maxItems: Int? = nil, unique: Bool = false)
    case oneOf([DerivRequestSchema])

    /// The first violation in `value` (the dotted path of the offending member and why), or `nil` when it is valid.
    func violation(of value: ExactJSON, at path: String = "") -> (field: String, reason: String)? {
        switch self {
        case .object(let properties, let required):
            guard let members = value.members else { return (path, "Expected object.") }
            for (name, member) in members {
                let field = path.isEmpty ? name : path + "." + name
                guard let schema = properties.first(where: { $0.0 == name })?.1 else {
                    return (field, "Properties not allowed: \(name).")
                }
                if let problem = schema.violation(of: member, at: field) { return problem }
            }
            for name in required where !members.contains(where: { $0.0 == name }) {
                return (path.isEmpty ? name : path + "." + name, "Missing required field.")
            }
            return nil
        case .anyObject:
            return value.members == nil ? (path, "Expected object.") : nil
        case .integer(let values, let minimum, let maximum):
            guard case .number(let text) = value else { return (path, "Expected integer.") }
            guard let number = value.int64Value else {
                let isIntegral = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
                return (path, isIntegral ? "Integer out of range." : "Expected integer.")
            }
            if let values, !values.contains(number) {
                return (path, "Not in enum list: \(values.map(String.init).joined(separator: ", ")).")
            }
            if let minimum, number < minimum { return (path, "Must be greater than or equal to \(minimum).") }
            if let maximum, number > maximum { return (path, "Must be less than or equal to \(maximum).") }
            return nil
        case .number(let minimum, let nullable):
            if nullable, case .null = value { return nil }
            guard case .number = value else {
                return (path, nullable ? "Expected number or null." : "Expected number.")
            }
            guard let number = value.decimalValue else { return (path, "Number out of range.") }
            if let minimum, number < minimum { return (path, "Must be greater than or equal to \(minimum).") }
            return nil
        case .string(let values, let pattern):
            guard let text = value.stringValue else { return (path, "Expected string.") }
            if let values, !values.contains(text) {
                return (path, "Not in enum list: \(values.joined(separator: ", ")).")
            }
            if let pattern, !pattern.matches(text) { return (path, "String does not match pattern.") }
            return nil
        case .array(let items, let maxItems, let unique):
            guard case .array(let elements) = value else { return (path, "Expected array.") }
            if let maxItems, elements.count > maxItems { return (path, "Too many items (at most \(maxItems)).") }
            for (index, element) in elements.enumerated() {
                if let problem = items.violation(of: element, at: "\(path)[\(index)]") { return problem }
            }
            if unique, Set(elements.map(\.text)).count != elements.count { return (path, "Items must be unique.") }
            return nil
        case .oneOf(let choices):
            let matching = choices.filter { $0.violation(of: value, at: path) == nil }.count
            return matching == 1 ? nil : (path, matching == 0 ? "Value matches no allowed form." : "Ambiguous value.")
        }
    }
}

/// The string patterns of the request schemas, matched by hand (ASCII `\w`, as ECMA-262 regular expressions read it).
enum DerivPattern: Sendable {
    /// `^[\w\-]{1,128}$` (tokens).
    case token
    /// `^\w{2,30}$` (symbols).
    case symbol
    /// `^[\w-]{32,128}$` (stream and proposal ids).
    case streamID
    /// `^(?:[\w-]{32,128}|1)$` (`buy`).
    case buy
    /// `^[A-Za-z]+[0-9]+$` (`loginid`).
    case loginID
    /// `^(current|all|[A-Z]{2,4}[0-9]{1,10})$` (`balance.account`).
    case account
    /// `^[a-zA-Z0-9]{2,20}$` (`currency`).
    case currency
    /// `^(?=.{1,20}$)[+-]?[0-9]+\.?[0-9]*$` (barriers).
    case barrier
    /// `^\w+$` (`cancellation`).
    case word

    private static func isWord(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_")
    }

    private static func isDigit(_ c: Character) -> Bool {
        c.isASCII && c.isNumber
    }

    /// Whether `text` matches the whole pattern.
    func matches(_ text: String) -> Bool {
        switch self {
        case .token:
            return (1...128).contains(text.count) && text.allSatisfy { Self.isWord($0) || $0 == "-" }
        case .symbol:
            return (2...30).contains(text.count) && text.allSatisfy(Self.isWord)
        case .streamID:
            return (32...128).contains(text.count) && text.allSatisfy { Self.isWord($0) || $0 == "-" }
        case .buy:
            return text == "1" || DerivPattern.streamID.matches(text)
        case .loginID:
            let letters = text.prefix { $0.isASCII && $0.isLetter }
            let rest = text.dropFirst(letters.count)
            return !letters.isEmpty && !rest.isEmpty && rest.allSatisfy(Self.isDigit)
        case .account:
            if text == "current" || text == "all" { return true }
            let letters = text.prefix { $0.isASCII && $0.isUppercase }
            let rest = text.dropFirst(letters.count)
            return (2...4).contains(letters.count) && (1...10).contains(rest.count) && rest.allSatisfy(Self.isDigit)
        case .currency:
            return (2...20).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        case .barrier:
            guard (1...20).contains(text.count) else { return false }
            var rest = Substring(text)
            if let first = rest.first, first == "+" || first == "-" { rest = rest.dropFirst() }
            let integer = rest.prefix(while: Self.isDigit)
            guard !integer.isEmpty else { return false }
            rest = rest.dropFirst(integer.count)
            if rest.first == "." { rest = rest.dropFirst() }
            return rest.allSatisfy(Self.isDigit)
        case .word:
            return !text.isEmpty && text.allSatisfy(Self.isWord)
        }
    }
}
