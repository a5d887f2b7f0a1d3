import Foundation
import Messages
import VenueKit

/// The v2 envelope every REST answer has (HTTP 200): `{"data", "error", "meta"}` (protocols.md §2.4, cpl-spec).
struct CPluginEnvelope<Payload: Decodable & Sendable>: Decodable, Sendable {
    var data: Payload?
    var error: CPluginAPIError?
    var meta: Meta?

    struct Meta: Decodable, Sendable {
        var activityId: String?
    }
}

/// `ApiError`: `code` is the transport classification (`WebApiErrorCode`), `managerCode` the raw MT4 `ResultCode`
/// (its name as a string, or a number for a value the API does not know).
struct CPluginAPIError: Decodable, Sendable, Hashable {
    var code: String
    var managerCode: String?
    var message: String?

    private enum CodingKeys: String, CodingKey { case code, managerCode, message }

    init(code: String, managerCode: String?, message: String?) {
        (self.code, self.managerCode, self.message) = (code, managerCode, message)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.code = try container.decodeIfPresent(String.self, forKey: .code) ?? "Internal"
        if let name = try? container.decodeIfPresent(String.self, forKey: .managerCode) {
            self.managerCode = name
        } else if let number = try? container.decodeIfPresent(Int.self, forKey: .managerCode) {
            self.managerCode = String(number)
        }
        self.message = try container.decodeIfPresent(String.self, forKey: .message)
    }
}

/// `MT4TradeTransaction`, the request and the answer of `POST TradeTransaction`. Enum fields are their names.
struct CPluginTradeTransaction: Codable, Sendable {
    var tradeTransactionType: String
    var tradeCommand: String
    var symbol: String
    var volume: Int32
    var order: Int32
    var orderBy: Int32
    var price: Decimal
    var sl: Decimal
    var tp: Decimal
    var comment: String

    private enum CodingKeys: String, CodingKey {
        case tradeTransactionType, tradeCommand, symbol, volume, order, orderBy, price, sl, tp, comment
    }

    init(
        type: String, command: String, symbol: String, volume: Int32, order: Int32 = 0, orderBy: Int32,
        price: Decimal = 0, sl: Decimal = 0, tp: Decimal = 0, comment: String = ""
    ) {
        (self.tradeTransactionType, self.tradeCommand, self.symbol, self.volume) = (type, command, symbol, volume)
        (self.order, self.orderBy, self.price, self.sl, self.tp, self.comment) = (order, orderBy, price, sl, tp, comment)
    }

    /// Tolerates the nullable fields of the schema.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.tradeTransactionType = try container.decodeIfPresent(String.self, forKey: .tradeTransactionType) ?? ""
        self.tradeCommand = try container.decodeIfPresent(String.self, forKey: .tradeCommand) ?? ""
        self.symbol = try container.decodeIfPresent(String.self, forKey: .symbol) ?? ""
        self.volume = try container.decodeIfPresent(Int32.self, forKey: .volume) ?? 0
        self.order = try container.decodeIfPresent(Int32.self, forKey: .order) ?? 0
        self.orderBy = try container.decodeIfPresent(Int32.self, forKey: .orderBy) ?? 0
        self.price = try container.decodeIfPresent(Decimal.self, forKey: .price) ?? 0
        self.sl = try container.decodeIfPresent(Decimal.self, forKey: .sl) ?? 0
        self.tp = try container.decodeIfPresent(Decimal.self, forKey: .tp) ?? 0
        self.comment = try container.decodeIfPresent(String.self, forKey: .comment) ?? ""
    }

    /// The JSON body, with decimals in plain notation (never an exponent, never through `Double`).
    var json: String {
        func text(_ value: String) -> String {
            let data = (try? JSONEncoder().encode(value)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        return #"{"tradeTransactionType":\#(text(self.tradeTransactionType)),"tradeCommand":\#(text(self.tradeCommand)),"#
            + #""symbol":\#(text(self.symbol)),"volume":\#(self.volume),"order":\#(self.order),"orderBy":\#(self.orderBy),"#
            + #""price":\#(self.price.plainNumberText(scale: 10)),"sl":\#(self.sl.plainNumberText(scale: 10)),"tp":\#(self.tp.plainNumberText(scale: 10)),"#
            + #""comment":\#(text(self.comment))}"#
    }
}

/// `MT4Trade`: the fields Tradewire reads.
struct CPluginTrade: Decodable, Sendable {
    var order: Int32
    var login: Int32
    var symbol: String?
    var tradeCommand: String?
    var volume: Int32
    var tradeRecordState: String?
    var openPrice: Decimal
    var openTime: String?
    var closePrice: Decimal?
    var profit: Decimal?
    var comment: String?

    /// Open or closed.
    var isOpen: Bool { self.tradeRecordState.map { $0.hasPrefix("Open") } ?? true }
}

/// `MT4MarginLevel`: the fields Tradewire reads.
struct CPluginMarginLevel: Decodable, Sendable {
    var login: Int32
    var balance: Decimal
    var equity: Decimal?
    var free: Decimal?
}

/// `MT4User`: the fields Tradewire reads.
struct CPluginUser: Decodable, Sendable {
    var login: Int32
    var group: String?
}

/// `MT4TickInfo` over REST and the hub's `onTick` payload (`{symbol, bid, ask}`, any property-name casing).
struct CPluginTick: Decodable, Sendable {
    var symbol: String
    var bid: Decimal
    var ask: Decimal
    var time: String?

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// v1 documents `Tick {Symbol, Bid, Ask}` (PascalCase in .NET), the JSON protocol writes camelCase: accept both.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        func key(_ name: String) throws -> AnyKey {
            guard let key = container.allKeys.first(where: { $0.stringValue.lowercased() == name }) else {
                throw DecodingError.keyNotFound(AnyKey(stringValue: name), .init(codingPath: [], debugDescription: name))
            }
            return key
        }
        self.symbol = try container.decode(String.self, forKey: key("symbol"))
        self.bid = try container.decode(Decimal.self, forKey: key("bid"))
        self.ask = try container.decode(Decimal.self, forKey: key("ask"))
        let timeKey = container.allKeys.first { ["time", "lasttime"].contains($0.stringValue.lowercased()) }
        self.time = try timeKey.flatMap { try container.decodeIfPresent(String.self, forKey: $0) }
    }

    func quote(receivedAt: Date) -> VenueQuote? {
        guard self.bid > 0, self.ask > 0 else { return nil }
        let venueTime = self.time.flatMap { try? Timestamp(rfc3339String: $0).date }
        return VenueQuote(symbol: self.symbol, bid: self.bid, ask: self.ask, last: nil, venueTime: venueTime, receivedAt: receivedAt)
    }
}

/// How an `ApiError` is classified for orders (protocols.md §2.4): which refusals are definitive, and our reason code.
enum CPluginErrorMapping {
    /// MT4 result codes after which the platform may still have executed (or is still executing) the request.
    static let uncertainManagerCodes: Set<String> = [
        "TradeTimeout", "TradeAccepted", "TradeProcess", "Error", "TechProblem", "Malfunction", "NoConnect",
        "UnhandledException",
    ]

    /// Our snake_case reason codes for the MT4 result codes that have one.
    static let reasonCodes: [String: String] = [
        "InvalidData": "invalid_request", "TradeBadVolume": "invalid_quantity", "TradeBadPrices": "invalid_price",
        "TradeBadStops": "invalid_stops", "TradeMarketClosed": "market_closed", "TradeDisable": "trading_disabled",
        "TradeNoMoney": "insufficient_funds", "TradePriceChanged": "price_changed", "TradeOffquotes": "price_changed",
        "TradeRequote": "price_changed", "TradeBrokerBusy": "venue_busy", "TradeContextBusy": "venue_busy",
        "TradeTooManyReq": "rate_limited", "TooFrequent": "rate_limited", "TradeOrderLocked": "order_locked",
        "TradeLongOnly": "long_only", "TradeTooManyOrders": "too_many_orders", "TradeHedgeProhibited": "hedging_prohibited",
        "TradeProhibitedByFIFO": "fifo_prohibited", "NotEnoughRights": "forbidden", "AccountDisabled": "account_disabled",
        "BadAccountInfo": "account_refused", "TradeModifyDenied": "modify_denied", "TradeExpirationDenied": "expiration_denied",
        "TradeUserCancel": "cancelled", "TradeTimeout": "venue_timeout", "TradeAccepted": "in_progress",
        "TradeProcess": "in_progress",
    ]

    /// The order outcome of an envelope error.
    static func outcome(_ error: CPluginAPIError) -> VenueOrderOutcome {
        let venueCode = error.managerCode.map { "\(error.code)/\($0)" } ?? error.code
        let message = error.message.map { String($0.prefix(200)) } ?? "the venue refused the request"
        switch error.code {
        case "Validation":
            return .rejected(.venue("invalid_request", message, venueCode: venueCode))
        case "Forbidden":
            return .rejected(.venue("forbidden", message, venueCode: venueCode))
        case "NotFound":
            return .rejected(.venue("not_found", message, venueCode: venueCode))
        case "MT4Error", "MT5Error":
            guard let manager = error.managerCode else {
                return .unknown(.venue("venue_error", message, venueCode: venueCode))
            }
            let code = self.reasonCodes[manager] ?? (Int(manager) != nil ? "venue_error" : "venue_rejected")
            // A numeric code is one the API itself does not know: nothing certain can be said about it.
            if self.uncertainManagerCodes.contains(manager) || Int(manager) != nil {
                return .unknown(.venue(code, message, venueCode: venueCode))
            }
            return .rejected(.venue(code, message, venueCode: venueCode))
        default:
            // NoConnect, Internal and codes added later: the platform may have acted.
            return .unknown(.venue("venue_error", message, venueCode: venueCode))
        }
    }
}
