import Foundation
import Hummingbird

/// One HTTP answer of the Magnr face: always `application/json`, errors as `{"errors":[…]}` (S002).
struct MagnrResponse: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String

    /// A JSON answer.
    static func json(_ status: Int, _ body: OrderedJSON, headers: HTTPFields = [:]) -> MagnrResponse {
        var fields = headers
        fields[.contentType] = "application/json"
        return MagnrResponse(status: status, headers: fields, body: body.text)
    }

    /// An error answer `{"errors":[messages…]}`.
    static func errors(_ status: Int, _ messages: [String], headers: HTTPFields = [:]) -> MagnrResponse {
        .json(status, .object([("errors", .array(messages.map(OrderedJSON.string)))]), headers: headers)
    }

    /// An error answer with one message.
    static func error(_ status: Int, _ message: String, headers: HTTPFields = [:]) -> MagnrResponse {
        .errors(status, [message], headers: headers)
    }

    /// `{"id": N}` (create: 201, liquidate: 200).
    static func id(_ status: Int, _ id: Int64) -> MagnrResponse {
        .json(status, .object([("id", .int(id))]))
    }

    static let notFound = MagnrResponse.error(404, "Not found")
    static let invalidAPIKey = MagnrResponse.error(401, "Invalid API key")
    static let invalidSignature = MagnrResponse.error(401, "Invalid signature")
    static let tonceRequired = MagnrResponse.error(
        400, "Tonce header is required and must be an integer (milliseconds)")
    static let tonceOutsideWindow = MagnrResponse.error(400, "Tonce is outside the allowed window")
    static let tonceReplayed = MagnrResponse.error(
        400, "Tonce must be greater than the last one used (replay refused)")
    static let tradeNotFound = MagnrResponse.error(404, "Trade not found")
    static let insufficientFunds = MagnrResponse.error(409, "Insufficient funds for the deposit")
    static let tradePending = MagnrResponse.error(409, "Trade is pending and cannot be liquidated yet")
    static let tradeNotOpen = MagnrResponse.error(409, "Trade is not open")
    static let bodyTooLarge = MagnrResponse.error(413, "Request body too large")

    /// `405` with the allowed methods in `Allow`.
    static func methodNotAllowed(_ allowed: [String]) -> MagnrResponse {
        .error(405, "Method not allowed", headers: [.allow: allowed.joined(separator: ", ")])
    }

    /// The body of an injected error: 500 and 504 as S002 describes them; 502 and 503 (gateways in front of the
    /// venue) in the same shape.
    static func injected(_ status: Int) -> MagnrResponse {
        switch status {
        case 504: .error(504, "The exchange could not complete the request")
        case 502: .error(502, "Bad gateway")
        case 503: .error(503, "Service unavailable")
        default: .error(status, "Internal server error")
        }
    }
}

/// The trade object of `GET /trades/` and `GET /trades/{id}/` (S002): every member always present, `null` where not
/// known yet, in the order of the documentation's example (with `pair` after `exchange`).
enum MagnrDTO {
    static func trade(_ trade: MagnrTrade) -> OrderedJSON {
        .object([
            ("id", .int(trade.id)),
            ("side", .string(trade.side.rawValue)),
            ("leverage", .int(Int64(trade.leverage))),
            ("size", .number(trade.size)),
            ("deposit", .number(trade.deposit)),
            ("exchange", .string(trade.exchange)),
            ("pair", .string(trade.pair)),
            ("created_at", .int(trade.createdAt.epochSeconds)),
            ("closed_at", trade.closedAt.map { .int($0.epochSeconds) } ?? .null),
            ("open_price", .optionalNumber(trade.openPrice)),
            ("close_price", .optionalNumber(trade.closePrice)),
            ("closed_reason", .optionalString(trade.closedReason)),
            ("trade_rate", .number(MagnrTrade.tradeRate)),
            ("daily_rate", .number(MagnrTrade.dailyRate)),
            ("trade_fees", .number(trade.tradeFees)),
            ("daily_fees", .number(0)),
            ("stop_margin", .optionalNumber(trade.stopMargin)),
            ("trail_margin", .null),
            ("sell_limit", .optionalNumber(trade.take)),
            ("status", .string(trade.status.rawValue)),
            ("profit", .optionalNumber(trade.profit)),
        ])
    }
}
