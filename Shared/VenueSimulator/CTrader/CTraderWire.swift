import Foundation

/// Payload types the venue reads or writes (protocols.md §5.4; ctp `ProtoOAPayloadType`, `ProtoPayloadType`).
enum CTraderPayloadType {
    static let errorRes: Int64 = 50
    static let heartbeat: Int64 = 51
    static let applicationAuthReq: Int64 = 2100
    static let applicationAuthRes: Int64 = 2101
    static let accountAuthReq: Int64 = 2102
    static let accountAuthRes: Int64 = 2103
    static let versionReq: Int64 = 2104
    static let versionRes: Int64 = 2105
    static let newOrderReq: Int64 = 2106
    static let cancelOrderReq: Int64 = 2108
    static let closePositionReq: Int64 = 2111
    static let assetListReq: Int64 = 2112
    static let assetListRes: Int64 = 2113
    static let symbolsListReq: Int64 = 2114
    static let symbolsListRes: Int64 = 2115
    static let symbolByIdReq: Int64 = 2116
    static let symbolByIdRes: Int64 = 2117
    static let traderReq: Int64 = 2121
    static let traderRes: Int64 = 2122
    static let reconcileReq: Int64 = 2124
    static let reconcileRes: Int64 = 2125
    static let executionEvent: Int64 = 2126
    static let subscribeSpotsReq: Int64 = 2127
    static let subscribeSpotsRes: Int64 = 2128
    static let unsubscribeSpotsReq: Int64 = 2129
    static let unsubscribeSpotsRes: Int64 = 2130
    static let spotEvent: Int64 = 2131
    static let orderErrorEvent: Int64 = 2132
    static let oaErrorRes: Int64 = 2142
    static let accountsTokenInvalidatedEvent: Int64 = 2147
    static let accountListByAccessTokenReq: Int64 = 2149
    static let accountListByAccessTokenRes: Int64 = 2150
    static let refreshTokenReq: Int64 = 2173
    static let refreshTokenRes: Int64 = 2174
}

/// A request frame, parsed: `{"clientMsgId"?: string, "payloadType": int, "payload"?: object}` (protocols.md §5.1).
struct CTraderRequestFrame: Sendable {
    var clientMsgID: String?
    var payloadType: Int64
    /// The payload's members in order (empty when `payload` is absent or `null`).
    var payload: [(String, ExactJSON)]
}

/// Why a frame is not a request frame: answered 50 `INVALID_REQUEST`, echoing `clientMsgID` when it was readable.
struct CTraderFrameError: Error, Sendable {
    var clientMsgID: String?
    var description: String
}

/// Reads and writes the JSON envelope (protocols.md §5.1). Requests are read with ``ExactJSON`` (the order-preserving
/// reader the Deriv face shares, which keeps number literals exact so that int64 values never pass through `Double`);
/// answers are written with ``OrderedJSON`` as `{"clientMsgId"?,"payloadType","payload"}`, `clientMsgId` only when
/// there is one to echo. Enum values are written as integers, int64 values as JSON numbers.
enum CTraderEnvelope {
    /// Parses one text frame. Simulator choices (unverified): unknown top-level members are ignored; a `null`
    /// `clientMsgId` or `payload` counts as absent; `payloadType` must be an integer.
    static func parse(_ text: String) -> Result<CTraderRequestFrame, CTraderFrameError> {
        guard let value = try? ExactJSON.parse(text), value.members != nil else {
            return .failure(CTraderFrameError(description: "The frame is not a JSON object"))
        }
        var clientMsgID: String?
        switch value["clientMsgId"] {
        case nil, .null?: break
        case .string(let id)?: clientMsgID = id
        default: return .failure(CTraderFrameError(description: "clientMsgId must be a string"))
        }
        guard let type = value["payloadType"] else {
            return .failure(CTraderFrameError(clientMsgID: clientMsgID, description: "payloadType is missing"))
        }
        guard let payloadType = type.int64Value else {
            return .failure(CTraderFrameError(clientMsgID: clientMsgID, description: "payloadType must be an integer"))
        }
        var payload: [(String, ExactJSON)] = []
        switch value["payload"] {
        case nil, .null?: break
        case .object(let fields)?: payload = fields
        default: return .failure(CTraderFrameError(clientMsgID: clientMsgID, description: "payload must be an object"))
        }
        return .success(CTraderRequestFrame(clientMsgID: clientMsgID, payloadType: payloadType, payload: payload))
    }

    /// One frame's text.
    static func frame(_ payloadType: Int64, _ payload: [(String, OrderedJSON)], clientMsgID: String? = nil) -> String {
        var members: [(String, OrderedJSON)] = []
        if let clientMsgID { members.append(("clientMsgId", .string(clientMsgID))) }
        members.append(("payloadType", .int(payloadType)))
        members.append(("payload", .object(payload)))
        return OrderedJSON.object(members).text
    }

    /// 50 ProtoErrorRes `{errorCode, description}`.
    static func protoError(_ code: String, _ description: String, clientMsgID: String?) -> String {
        Self.frame(
            CTraderPayloadType.errorRes, [("errorCode", .string(code)), ("description", .string(description))],
            clientMsgID: clientMsgID)
    }

    /// 2142 ProtoOAErrorRes `{ctidTraderAccountId?, errorCode, description, retryAfter?}`.
    static func oaError(
        _ code: String, _ description: String, account: Int64?, retryAfter: Int64? = nil, clientMsgID: String?
    ) -> String {
        var payload: [(String, OrderedJSON)] = []
        if let account { payload.append(("ctidTraderAccountId", .int(account))) }
        payload.append(("errorCode", .string(code)))
        payload.append(("description", .string(description)))
        if let retryAfter { payload.append(("retryAfter", .int(retryAfter))) }
        return Self.frame(CTraderPayloadType.oaErrorRes, payload, clientMsgID: clientMsgID)
    }

    /// 2132 ProtoOAOrderErrorEvent `{ctidTraderAccountId, errorCode, orderId?, positionId?, description}`.
    static func orderError(_ refusal: CTraderTradeRefusal, account: Int64, clientMsgID: String?) -> String {
        var payload: [(String, OrderedJSON)] = [
            ("ctidTraderAccountId", .int(account)), ("errorCode", .string(refusal.code)),
        ]
        if let orderID = refusal.orderID { payload.append(("orderId", .int(orderID))) }
        if let positionID = refusal.positionID { payload.append(("positionId", .int(positionID))) }
        payload.append(("description", .string(refusal.description)))
        return Self.frame(CTraderPayloadType.orderErrorEvent, payload, clientMsgID: clientMsgID)
    }

    /// 2147 ProtoOAAccountsTokenInvalidatedEvent `{ctidTraderAccountIds, reason}`.
    static func tokenInvalidated(_ accounts: [Int64], reason: String) -> String {
        Self.frame(
            CTraderPayloadType.accountsTokenInvalidatedEvent,
            [("ctidTraderAccountIds", .array(accounts.map(OrderedJSON.int))), ("reason", .string(reason))])
    }

    /// 51 ProtoHeartbeatEvent.
    static let heartbeat = #"{"payloadType":51,"payload":{}}"#
}
