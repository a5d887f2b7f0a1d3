import Foundation
import Messages

/// The body of `POST /api/v1/trades/`, validated (S002's parameter table).
///
/// Validation collects one message per problem, in the order side, size, exchange, pair, leverage, type,
/// stop_margin, take:
/// - `side`: exactly `buy` or `sell` (case-sensitive: the shell sample's `BUY` is refused).
/// - `size`: a JSON number above 0 (a numeric string is refused: the documented type is float).
/// - `exchange`: one of ``MagnrSimulatorConfiguration/exchanges`` (case-sensitive).
/// - `pair`: one of the pairs the exchange offers (or, when the exchange is not known, any pair Magnr trades).
/// - `leverage` (optional, default 10): a number equal to 10, 5 or 2.
/// - `type` (optional, default `market`): only `market`.
/// - `stop_margin`, `take` (optional): numbers above 0.
///
/// An optional member given as `null` counts as absent; unknown members are ignored. A body that is not a JSON object
/// gets the single message "Request body must be a JSON object".
struct MagnrTradeRequest: Sendable {
    var side: MagnrTrade.Side
    var size: Decimal
    var exchange: String
    var pair: String
    var leverage: Int
    var stopMargin: Decimal?
    var take: Decimal?

    /// Reads and validates a body; the list of problems when it is refused.
    static func parse(_ bytes: [UInt8]) -> Result<Self, MagnrValidationErrors> {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)),
            case .object(let members) = value
        else { return .failure(MagnrValidationErrors(messages: ["Request body must be a JSON object"])) }
        var problems: [String] = []
        func present(_ name: String) -> JSONValue? {
            guard let value = members[name], value != .null else { return nil }
            return value
        }
        func positive(_ name: String) -> Decimal?? {
            guard let value = present(name) else { return .some(nil) }
            guard case .number(let number) = value, number.isFinite, number > 0 else {
                problems.append("\(name) must be a positive number")
                return nil
            }
            return .some(number)
        }

        var side: MagnrTrade.Side?
        if case .string(let text)? = members["side"], let parsed = MagnrTrade.Side(rawValue: text) {
            side = parsed
        } else {
            problems.append("side must be buy or sell (case sensitive)")
        }
        var size: Decimal?
        if case .number(let number)? = members["size"], number.isFinite, number > 0 {
            size = number
        } else {
            problems.append("size must be a positive number")
        }
        let allExchanges = MagnrSimulatorConfiguration.exchanges.map(\.key)
        var exchange: String?
        if case .string(let text)? = members["exchange"], MagnrSimulatorConfiguration.pairs(of: text) != nil {
            exchange = text
        } else {
            problems.append("exchange must be one of \(allExchanges.joined(separator: ", "))")
        }
        var pair: String?
        let offered = exchange.flatMap(MagnrSimulatorConfiguration.pairs(of:))
        let allPairs = ["BTCUSD", "XBTUSD"]
        if case .string(let text)? = members["pair"], (offered ?? allPairs).contains(text) {
            pair = text
        } else if let exchange, let offered {
            problems.append("pair must be one of the pairs \(exchange) offers: \(offered.joined(separator: ", "))")
        } else {
            problems.append("pair must be one of \(allPairs.joined(separator: ", "))")
        }
        var leverage = 10
        if let value = present("leverage") {
            if case .number(let number) = value, let match = MagnrSimulatorConfiguration.leverages.first(where: {
                Decimal($0) == number
            }) {
                leverage = match
            } else {
                problems.append("leverage must be 10, 5 or 2")
            }
        }
        if let value = present("type"), value != .string("market") {
            problems.append("type must be market (the only type supported)")
        }
        let stopMargin = positive("stop_margin")
        let take = positive("take")

        guard problems.isEmpty, let side, let size, let exchange, let pair, let stopMargin, let take else {
            return .failure(MagnrValidationErrors(messages: problems))
        }
        return .success(
            Self(
                side: side, size: size, exchange: exchange, pair: pair, leverage: leverage, stopMargin: stopMargin,
                take: take))
    }
}

/// The problems found in a trade request (the `errors` of the 400 answer).
struct MagnrValidationErrors: Error, Sendable {
    var messages: [String]
}
