import Foundation

/// Bodies and encodings of MT4Server's HTTP face (protocols.md §1.3–1.4).
enum MT4ServerWire {
    /// Content type of every response, JSON or not (akka's default for a `String` entity).
    static let contentType = "text/plain; charset=UTF-8"

    // akka-http default bodies.
    static let alive = "It's alive!!!"
    static let internalError = "There was an internal server error."
    static let forbidden = "The supplied authentication is not authorized to access this resource"
    static let notFound = "The requested resource could not be found."
    static let malformedPrefix = "The request content was malformed:\n"
    static let expectedWebSocket = "Expected WebSocket Upgrade request"
    static let missingTicker = "Request is missing required query parameter 'ticker'"
    static let tooLarge = "The request content was too large."

    /// akka's default body for an error status injected by a fault.
    static func errorBody(status: Int) -> String {
        switch status {
        case 502:
            "The server was acting as a gateway or proxy and received an invalid response from the upstream server."
        case 503: "The server is currently unavailable (because it is overloaded or down for maintenance)."
        case 504:
            "The server was acting as a gateway or proxy and did not receive a timely response "
                + "from the upstream server."
        default: Self.internalError
        }
    }

    /// akka's 405 body.
    static func methodNotAllowed(_ methods: [String]) -> String {
        "HTTP method not allowed, supported methods: " + methods.joined(separator: ", ")
    }

    /// Order JSON (Gson, fields in declaration order).
    static func orderJSON(_ order: MT4ServerOrder, currentPrice: Decimal, profit: Decimal) -> GsonValue {
        .object([
            ("id", .int(Int64(order.ticket))),
            ("date", .int(order.openedAt.epochSeconds)),
            ("orderType", .string(order.side.rawValue)),
            ("size", .double(order.amount.doubleValue)),
            ("symbol", .string(order.symbol)),
            ("price", .double(order.openPrice.doubleValue)),
            ("sl", .double(0)),
            ("tp", .double(0)),
            ("currentPrice", .double(currentPrice.doubleValue)),
            ("commission", .double(0)),
            ("taxes", .double(0)),
            ("swap", .double(0)),
            ("profit", .double(profit.doubleValue)),
        ])
    }

    /// TickerData JSON; `nil` gives the bridge-error value (`name` empty, zeros).
    static func tickerJSON(_ quote: MT4ServerQuote?) -> GsonValue {
        .object([
            ("name", .string(quote?.name ?? "")),
            ("time", .int(quote?.time ?? 0)),
            ("bid", .double(quote?.bid.doubleValue ?? 0)),
            ("ask", .double(quote?.ask.doubleValue ?? 0)),
            ("last", .double(0)),
            ("volume", .double(0)),
        ])
    }

    /// Parses a raw query string (`a=1&b=2`) the way akka does: `+` is a space, percent escapes are decoded,
    /// the first occurrence of a name wins.
    static func queryParameter(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.decode(parts[0]) == name else { continue }
            return parts.count > 1 ? Self.decode(parts[1]) : ""
        }
        return nil
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Java's `String.split(",")`: keeps inner empty strings, drops trailing ones (an empty input gives `[""]`).
    static func javaSplit(_ text: String, separator: Character = ",") -> [String] {
        var parts = text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        while parts.count > 1, parts.last == "" { parts.removeLast() }
        if parts.count == 1, parts[0].isEmpty, !text.isEmpty { return [] }
        return parts
    }
}

/// The body of `POST /exchanges/{broker}/orders`, read as leniently as Gson reads it into
/// `OrderSpec(pair: String, amount: Double, op: String)`: unknown keys are ignored, a missing key is a
/// default (`null` or 0, which the bridge then rejects), a number is accepted for `pair`/`op` and a numeric
/// string for `amount`. Anything that is not a JSON object, or a value of an impossible type, is malformed.
struct MT4ServerOrderSpec: Decodable, Sendable {
    var pair: String?
    var amount: Decimal
    var op: String?

    private enum CodingKeys: String, CodingKey { case pair, amount, op }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.pair = try Self.lenientString(container, .pair)
        self.op = try Self.lenientString(container, .op)
        if try !container.contains(.amount) || container.decodeNil(forKey: .amount) {
            self.amount = 0
        } else if let number = try? container.decode(Decimal.self, forKey: .amount) {
            self.amount = number
        } else {
            let text = try container.decode(String.self, forKey: .amount).trimmingCharacters(in: .whitespaces)
            guard Self.isPlainNumber(text),
                let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .amount, in: container, debugDescription: "amount is not a number")
            }
            self.amount = number
        }
    }

    /// Parses a body; the error text is a short reason for the 400 response.
    static func parse(_ bytes: [UInt8]) -> Result<Self, ParseError> {
        do {
            return .success(try JSONDecoder().decode(Self.self, from: Data(bytes)))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            return .failure(ParseError(reason: "body is not valid JSON"))
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            return .failure(ParseError(reason: "expected a JSON object"))
        } catch let error as DecodingError {
            return .failure(ParseError(reason: Self.describe(error)))
        } catch {
            return .failure(ParseError(reason: "body is not valid JSON"))
        }
    }

    struct ParseError: Error, Sendable {
        var reason: String
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "invalid value for '\(field)'"
        case .keyNotFound(let key, _):
            return "missing '\(key.stringValue)'"
        @unknown default:
            return "invalid order"
        }
    }

    private static func lenientString(
        _ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys
    ) throws -> String? {
        guard container.contains(key), !(try container.decodeNil(forKey: key)) else { return nil }
        if let text = try? container.decode(String.self, forKey: key) { return text }
        if let number = try? container.decode(Decimal.self, forKey: key) { return number.description }
        if let flag = try? container.decode(Bool.self, forKey: key) { return flag ? "true" : "false" }
        throw DecodingError.typeMismatch(
            String.self, .init(codingPath: [key], debugDescription: "expected a string"))
    }

    /// `-?digits[.digits][e±digits]`, the forms Java's `Double.parseDouble` accepts that matter here.
    private static func isPlainNumber(_ text: String) -> Bool {
        text.range(of: #"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"#, options: .regularExpression) != nil
    }
}
