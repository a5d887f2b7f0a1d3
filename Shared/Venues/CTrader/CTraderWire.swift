import Foundation
import Messages
public import VenueKit

/// The payload types Tradewire uses (protocols.md §5.4; ctp `ProtoOAPayloadType`, `ProtoPayloadType`).
enum CTraderPayload {
    static let errorRes = 50
    static let heartbeat = 51
    static let applicationAuthReq = 2100
    static let applicationAuthRes = 2101
    static let accountAuthReq = 2102
    static let accountAuthRes = 2103
    static let newOrderReq = 2106
    static let cancelOrderReq = 2108
    static let closePositionReq = 2111
    static let symbolsListReq = 2114
    static let symbolsListRes = 2115
    static let symbolByIdReq = 2116
    static let symbolByIdRes = 2117
    static let traderReq = 2121
    static let traderRes = 2122
    static let reconcileReq = 2124
    static let reconcileRes = 2125
    static let executionEvent = 2126
    static let subscribeSpotsReq = 2127
    static let subscribeSpotsRes = 2128
    static let unsubscribeSpotsReq = 2129
    static let unsubscribeSpotsRes = 2130
    static let spotEvent = 2131
    static let orderErrorEvent = 2132
    static let oaErrorRes = 2142
    static let accountsTokenInvalidatedEvent = 2147
    static let clientDisconnectEvent = 2148
    static let accountDisconnectEvent = 2164
    static let refreshTokenReq = 2173
    static let refreshTokenRes = 2174

    /// Every payload type the module sends or reads (checked against the vendor's message table in tests).
    static let used: [Int] = [
        errorRes, heartbeat, applicationAuthReq, applicationAuthRes, accountAuthReq, accountAuthRes, newOrderReq,
        cancelOrderReq, closePositionReq, symbolsListReq, symbolsListRes, symbolByIdReq, symbolByIdRes, traderReq,
        traderRes, reconcileReq, reconcileRes, executionEvent, subscribeSpotsReq, subscribeSpotsRes, unsubscribeSpotsReq,
        unsubscribeSpotsRes, spotEvent, orderErrorEvent, oaErrorRes, accountsTokenInvalidatedEvent, clientDisconnectEvent,
        accountDisconnectEvent, refreshTokenReq, refreshTokenRes,
    ]
}

/// Enum values used on the wire (ctp; JSON carries them as integers).
enum CTraderEnum {
    /// ProtoOAOrderType.
    static let market = 1, limit = 2, stop = 3
    /// ProtoOATradeSide.
    static let buy = 1, sell = 2
    /// ProtoOAExecutionType.
    static let orderAccepted = 2, orderFilled = 3, orderCancelled = 5, orderRejected = 7, orderCancelRejected = 8
    static let orderPartialFill = 11
    /// ProtoOAPositionStatus.
    static let positionOpen = 1, positionClosed = 2
}

/// One frame: `{clientMsgId?, payloadType, payload}` (protocols.md §5.1).
struct CTraderFrame: Sendable {
    var payloadType: Int
    var clientMsgID: String?
    var payload: JSONValue

    init(text: String) throws(CTraderWireError) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
            let payloadType = value[member: "payloadType"]?.integerValue
        else { throw CTraderWireError("the frame is not a JSON object with a payloadType") }
        self.payloadType = payloadType
        self.clientMsgID = value[member: "clientMsgId"]?.stringValue
        self.payload = value[member: "payload"] ?? .object([:])
    }

    /// Our request number in a `clientMsgId` of the form `tw-N`.
    var requestID: Int? {
        guard let id = self.clientMsgID, id.hasPrefix("tw-") else { return nil }
        return Int(id.dropFirst(3))
    }

    /// The refusal this frame carries, if it is an error (50, 2142, 2132) or a rejected execution.
    var refusal: CTraderRefusal? {
        switch self.payloadType {
        case CTraderPayload.errorRes, CTraderPayload.oaErrorRes, CTraderPayload.orderErrorEvent:
            return CTraderRefusal(
                payloadType: self.payloadType, errorCode: self.payload[member: "errorCode"]?.stringValue ?? "UNKNOWN_ERROR",
                description: self.payload[member: "description"]?.stringValue ?? "")
        case CTraderPayload.executionEvent:
            let type = self.payload[member: "executionType"]?.integerValue
            guard type == CTraderEnum.orderRejected || type == CTraderEnum.orderCancelRejected else { return nil }
            return CTraderRefusal(
                payloadType: self.payloadType, errorCode: self.payload[member: "errorCode"]?.stringValue ?? "ORDER_REJECTED",
                description: "")
        default:
            return nil
        }
    }

    /// The text of a request.
    static func encode(requestID: Int, payloadType: Int, payload: [String: JSONValue]) throws -> String {
        let frame: JSONValue = .object([
            "clientMsgId": .string("tw-\(requestID)"), "payloadType": .number(Decimal(payloadType)), "payload": .object(payload),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(frame), as: UTF8.self)
    }

    /// The heartbeat event.
    static let heartbeat = #"{"payloadType":51,"payload":{}}"#
}

/// A frame we could not read.
struct CTraderWireError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The venue's refusal: `errorCode` is the enum name (protocols.md §5.6).
struct CTraderRefusal: Error, Sendable, Hashable {
    var payloadType: Int
    var errorCode: String
    var description: String

    /// The account's authorization is gone: authenticate again (with a newer token) and retry.
    var needsReauthentication: Bool {
        ["CH_ACCESS_TOKEN_INVALID", "OA_AUTH_TOKEN_EXPIRED", "ACCOUNT_NOT_AUTHORIZED", "CH_CLIENT_NOT_AUTHENTICATED"]
            .contains(self.errorCode)
    }
}

/// Maps the venue's error codes onto our reason codes.
enum CTraderErrorMapping {
    /// Codes after which the request certainly did nothing at the venue.
    static let refusals: [String: String] = [
        "CH_ACCESS_TOKEN_INVALID": "unauthorized", "OA_AUTH_TOKEN_EXPIRED": "unauthorized",
        "ACCOUNT_NOT_AUTHORIZED": "unauthorized", "CH_CLIENT_AUTH_FAILURE": "unauthorized",
        "CH_CLIENT_NOT_AUTHENTICATED": "unauthorized", "CH_CTID_TRADER_ACCOUNT_NOT_FOUND": "unauthorized",
        "RET_ACCOUNT_DISABLED": "account_disabled", "NOT_ENOUGH_MONEY": "insufficient_funds",
        "TRADING_BAD_VOLUME": "invalid_quantity", "TRADING_BAD_STOPS": "invalid_stops",
        "PROTECTION_IS_TOO_CLOSE_TO_MARKET": "invalid_stops", "TRADING_BAD_PRICES": "invalid_price",
        "TRADING_BAD_EXPIRATION_DATE": "invalid_expiry", "SYMBOL_NOT_FOUND": "symbol_unknown",
        "UNKNOWN_SYMBOL": "symbol_unknown", "MARKET_CLOSED": "market_closed", "SYMBOL_HAS_HOLIDAY": "market_closed",
        "NO_QUOTES": "no_quotes", "TRADING_DISABLED": "trading_disabled", "TRADING_NOT_ALLOWED": "trading_disabled",
        "SHORT_SELLING_NOT_ALLOWED": "trading_disabled", "MAX_EXPOSURE_REACHED": "limit_exceeded",
        "TOO_MANY_POSITIONS": "limit_exceeded", "POSITION_NOT_FOUND": "order_not_found",
        "ORDER_NOT_FOUND": "order_not_found", "POSITION_NOT_OPEN": "order_not_found", "POSITION_LOCKED": "order_locked",
        "UNABLE_TO_CANCEL_ORDER": "cancel_refused", "REQUEST_FREQUENCY_EXCEEDED": "rate_limited",
        "BLOCKED_PAYLOAD_TYPE": "rate_limited", "INVALID_REQUEST": "invalid_request",
        "UNSUPPORTED_MESSAGE": "invalid_request", "SERVER_IS_UNDER_MAINTENANCE": "venue_maintenance",
        "CH_SERVER_NOT_REACHABLE": "venue_unreachable", "ORDER_REJECTED": "rejected",
    ]

    static func reason(_ refusal: CTraderRefusal, call: String) -> Reason {
        let code = self.refusals[refusal.errorCode] ?? "venue_error"
        let detail = refusal.description.isEmpty ? refusal.errorCode : refusal.description
        return .venue(code, "\(call): \(detail)", venueCode: refusal.errorCode)
    }

    /// Certain for known refusal codes; `UNKNOWN_ERROR`, `TIMEOUT_ERROR` and codes we do not know leave a trade in
    /// doubt.
    static func outcome(_ refusal: CTraderRefusal, call: String) -> VenueOrderOutcome {
        let reason = self.reason(refusal, call: call)
        return self.refusals[refusal.errorCode] == nil ? .unknown(reason) : .rejected(reason)
    }
}

/// The session material of a cTrader grant as one token value: the application's id and secret (for application
/// auth) and the account's access token, joined by U+001F.
public enum CTraderCredentials {
    /// The token value for the three parts.
    public static func material(clientID: String, clientSecret: VenueSecret, accessToken: VenueSecret) -> VenueSecret {
        VenueSecret([clientID, clientSecret.value, accessToken.value].joined(separator: "\u{1F}"))
    }

    /// A fixed set as a token source (tests and tools; the services take them from the broker's grants).
    public static func source(clientID: String, clientSecret: VenueSecret, accessToken: VenueSecret) -> VenueTokenCache {
        VenueTokenCache { () async throws(VenueError) in
            (self.material(clientID: clientID, clientSecret: clientSecret, accessToken: accessToken), nil)
        }
    }

    /// The parts of a token value.
    static func split(_ token: VenueToken) -> (clientID: String, clientSecret: String, accessToken: String)? {
        let parts = token.value.value.split(separator: "\u{1F}", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        return (String(parts[0]), String(parts[1]), String(parts[2]))
    }
}
