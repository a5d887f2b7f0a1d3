import Foundation
import Hummingbird

/// One HTTP answer of the CPlugin face.
struct CPluginResponse: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String

    /// `application/json; charset=utf-8`, as ASP.NET Core writes it.
    static let jsonContentType = "application/json; charset=utf-8"

    /// A JSON answer.
    static func json(_ status: Int = 200, _ body: String, headers: HTTPFields = [:]) -> CPluginResponse {
        var fields = headers
        fields[.contentType] = Self.jsonContentType
        return CPluginResponse(status: status, headers: fields, body: body)
    }

    /// An answer without a body (infrastructure failures: 401, 404, 405, 415, injected errors).
    static func empty(_ status: Int, headers: HTTPFields = [:]) -> CPluginResponse {
        CPluginResponse(status: status, headers: headers, body: "")
    }

    /// A `text/plain` answer (the SignalR dispatcher's refusals).
    static func text(_ status: Int, _ body: String) -> CPluginResponse {
        CPluginResponse(status: status, headers: [.contentType: "text/plain"], body: body)
    }

    /// 401 for a missing, unknown, expired or revoked bearer token (RFC 6750 §3), no body.
    static var invalidToken: CPluginResponse {
        .empty(401, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
    }
}

/// `WebApiErrorCode` values the simulator answers with.
enum CPluginErrorCode: String, Sendable {
    case validation = "Validation"
    case mt4Error = "MT4Error"
    case notFound = "NotFound"
}

/// An `ApiError`: the transport code, the raw MT4 `ResultCode` name for `MT4Error`, and a message.
struct CPluginAPIError: Error, Sendable {
    var code: CPluginErrorCode
    var managerCode: String?
    var message: String

    static func validation(_ message: String) -> Self { Self(code: .validation, managerCode: nil, message: message) }
    static func notFound(_ message: String) -> Self { Self(code: .notFound, managerCode: nil, message: message) }
    static func mt4(_ resultCode: String, _ message: String) -> Self {
        Self(code: .mt4Error, managerCode: resultCode, message: message)
    }
}

/// `meta.paging` (`PagingMeta`) of a paged list.
struct CPluginPaging: Sendable {
    var nextCursor: String?
    var hasMore: Bool { self.nextCursor != nil }
}

/// The v2 envelope (`{"data","error","meta"}`, protocols.md §2.4): always HTTP 200, `error` always written (`null` on
/// success), `data` `null` on error, `meta` with a fresh W3C trace id (32 lower-case hex digits) and `paging` only on
/// a list the client asked to page (`TradesGet?limit=…`).
enum CPluginEnvelope {
    /// A success envelope around `data`.
    static func success(_ data: OrderedJSON, paging: CPluginPaging? = nil) -> String {
        OrderedJSON.object([("data", data), ("error", .null), ("meta", Self.meta(paging: paging))]).text
    }

    /// An error envelope.
    static func failure(_ error: CPluginAPIError) -> String {
        let body = OrderedJSON.object([
            ("code", .string(error.code.rawValue)),
            ("managerCode", .optionalString(error.managerCode)),
            ("message", .string(error.message)),
        ])
        return OrderedJSON.object([("data", .null), ("error", body), ("meta", Self.meta())]).text
    }

    /// The envelope of `result`.
    static func make(_ result: Result<OrderedJSON, CPluginAPIError>) -> String {
        switch result {
        case .success(let data): Self.success(data)
        case .failure(let error): Self.failure(error)
        }
    }

    private static func meta(paging: CPluginPaging? = nil) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [("activityId", .string(Self.traceID()))]
        if let paging {
            let page = OrderedJSON.object([
                ("nextCursor", .optionalString(paging.nextCursor)), ("hasMore", .bool(paging.hasMore)),
            ])
            members.append(("paging", page))
        }
        return .object(members)
    }

    /// A random W3C trace id: 16 bytes as 32 lower-case hex digits, never all zeros.
    static func traceID() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        let low = generator.next() as UInt64
        if high == 0, low == 0 { high = 1 }
        return Self.hex(high) + Self.hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// The v2 DTOs the simulator writes, every member in the OpenAPI schema's order (all schemas have
/// `additionalProperties: false`, so no other member is ever written).
enum CPluginDTO {
    /// `MT4Trade` of `trade`, valued at `closePrice`/`profit` (the current price and floating profit while open).
    static func trade(_ trade: CPluginTrade, closePrice: Decimal, profit: Decimal) -> OrderedJSON {
        let digits = trade.symbol.digits
        return .object([
            ("order", .int(Int64(trade.order))),
            ("login", .int(Int64(trade.login))),
            ("symbol", .string(trade.symbol.name)),
            ("digits", .int(Int64(digits))),
            ("tradeCommand", .string(trade.side.rawValue)),
            ("volume", .int(Int64(trade.volume))),
            ("volumeLots", .number(trade.lots)),
            ("tradeRecordState", .string(trade.state.rawValue)),
            ("openPrice", .number(trade.openPrice.rounded(scale: digits))),
            ("sl", .number(trade.sl.rounded(scale: digits))),
            ("tp", .number(trade.tp.rounded(scale: digits))),
            ("openTime", .dateTime(trade.openTime)),
            ("closeTime", .dateTime(trade.closeTime ?? .mt4Epoch)),
            ("closePrice", .number(closePrice.rounded(scale: digits))),
            ("commission", .number(0)),
            ("commissionAgent", .number(0)),
            ("storage", .number(0)),
            ("profit", .number(profit.rounded(scale: 2))),
            ("taxes", .number(0)),
            ("magic", .int(0)),
            ("comment", .optionalString(trade.comment)),
            ("expiration", .dateTime(.mt4Epoch)),
            ("tradeRecordReason", .string("Dealer")),
            ("activationType", .string("None")),
            ("timeStamp", .dateTime(trade.timeStamp)),
            ("marginRate", .number(trade.symbol.accountCurrencyIsBase ? 1 : trade.openPrice.rounded(scale: digits))),
        ])
    }

    /// `MT4TickInfo`.
    static func tick(_ quote: CPluginQuote) -> OrderedJSON {
        .object([
            ("symbol", .string(quote.symbol.name)),
            ("time", .dateTime(quote.time)),
            ("bid", .number(quote.bid)),
            ("ask", .number(quote.ask)),
        ])
    }

    /// What `MT4MarginLevel` and `MT4User` report about the account.
    struct Account: Sendable {
        var login: Int32
        var group: String
        var leverage: Int
        var balance: Decimal
        var equity: Decimal
        var margin: Decimal
        var volume: Int64
        var registered: Date
    }

    /// `MT4MarginLevel`: `level` = equity / margin × 100 (0 without margin); `levelType` `StopOut` at or below 50 %,
    /// `MarginCall` at or below 100 %, else `Ok`; `controllingType` `Percent`.
    static func marginLevel(_ account: Account, now: Date) -> OrderedJSON {
        let level = account.margin > 0 ? (account.equity / account.margin * 100).rounded(scale: 2) : 0
        let levelType =
            account.margin <= 0 ? "Ok" : level <= 50 ? "StopOut" : level <= 100 ? "MarginCall" : "Ok"
        return .object([
            ("login", .int(Int64(account.login))),
            ("group", .string(account.group)),
            ("leverage", .int(Int64(account.leverage))),
            ("updated", .int(Int64(Int32(clamping: now.epochSeconds)))),
            ("balance", .number(account.balance.rounded(scale: 2))),
            ("equity", .number(account.equity.rounded(scale: 2))),
            ("volume", .int(Int64(Int32(clamping: account.volume)))),
            ("margin", .number(account.margin.rounded(scale: 2))),
            ("free", .number((account.equity - account.margin).rounded(scale: 2))),
            ("level", .number(level)),
            ("controllingType", .string("Percent")),
            ("levelType", .string(levelType)),
        ])
    }

    /// `MT4User` with every member; contact fields are empty strings, as MT4 stores unset text.
    static func user(_ account: Account, startingBalance: Decimal, now: Date) -> OrderedJSON {
        .object([
            ("login", .int(Int64(account.login))),
            ("group", .string(account.group)),
            ("name", .string("Simulated Account \(account.login)")),
            ("registrationDate", .dateTime(account.registered)),
            ("lastDate", .dateTime(now)),
            ("externalId", .string("")),
            ("status", .string("")),
            ("country", .string("")),
            ("city", .string("")),
            ("state", .string("")),
            ("zipCode", .string("")),
            ("address", .string("")),
            ("leadSource", .string("")),
            ("phone", .string("")),
            ("email", .string("")),
            ("comment", .string("")),
            ("leverage", .int(Int64(account.leverage))),
            ("agentAccount", .int(0)),
            ("lastIP", .int(0)),
            ("balance", .number(account.balance.rounded(scale: 2))),
            ("credit", .number(0)),
            ("prevMonthBalance", .number(startingBalance.rounded(scale: 2))),
            ("prevBalance", .number(startingBalance.rounded(scale: 2))),
            ("prevMonthEquity", .number(startingBalance.rounded(scale: 2))),
            ("prevEquity", .number(startingBalance.rounded(scale: 2))),
            ("interestRate", .number(0)),
            ("taxes", .number(0)),
            ("enableFlags", .int(1)),
            ("sendReports", .int(0)),
            ("mqid", .int(0)),
            ("userColor", .int(0)),
        ])
    }
}
