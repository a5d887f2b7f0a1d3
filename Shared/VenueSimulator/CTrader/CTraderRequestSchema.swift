import Foundation

/// An enum of the Open API, by value name (protocols.md §5.6; ctp).
struct CTraderEnum: Sendable {
    var name: String
    var values: [String: Int64]

    static let orderType = CTraderEnum(
        name: "ProtoOAOrderType",
        values: [
            "MARKET": 1, "LIMIT": 2, "STOP": 3, "STOP_LOSS_TAKE_PROFIT": 4, "MARKET_RANGE": 5, "STOP_LIMIT": 6,
        ])
    static let tradeSide = CTraderEnum(name: "ProtoOATradeSide", values: ["BUY": 1, "SELL": 2])
    static let timeInForce = CTraderEnum(
        name: "ProtoOATimeInForce",
        values: [
            "GOOD_TILL_DATE": 1, "GOOD_TILL_CANCEL": 2, "IMMEDIATE_OR_CANCEL": 3, "FILL_OR_KILL": 4,
            "MARKET_ON_OPEN": 5,
        ])
    static let triggerMethod = CTraderEnum(
        name: "ProtoOAOrderTriggerMethod",
        values: ["TRADE": 1, "OPPOSITE": 2, "DOUBLE_TRADE": 3, "DOUBLE_OPPOSITE": 4])
}

/// The type of one request field.
enum CTraderFieldType: Sendable {
    case int64
    case double
    case bool
    /// A string of at most `maxLength` characters.
    case string(maxLength: Int)
    /// An enum, as its integer value or its value name.
    case enumeration(CTraderEnum)
    /// `repeated int64`: an array.
    case int64List
}

/// One field of a request message.
struct CTraderField: Sendable {
    var name: String
    var type: CTraderFieldType
    var isRequired: Bool
}

/// The fields of one request message the venue serves (names and types from ctp `OpenApiMessages.proto`, as
/// listed in protocols.md §5.4–5.5).
struct CTraderRequestSchema: Sendable {
    var message: String
    var fields: [CTraderField]

    /// Whether the message names an account (`ctidTraderAccountId`) and so needs it authorized on the connection
    /// (2102 itself excepted).
    var isAccountScoped: Bool { self.fields.contains { $0.name == "ctidTraderAccountId" } }

    private static let account = CTraderField(name: "ctidTraderAccountId", type: .int64, isRequired: true)
    private static let text = CTraderFieldType.string(maxLength: 4_096)

    private static func required(_ name: String, _ type: CTraderFieldType) -> CTraderField {
        CTraderField(name: name, type: type, isRequired: true)
    }

    private static func optional(_ name: String, _ type: CTraderFieldType) -> CTraderField {
        CTraderField(name: name, type: type, isRequired: false)
    }

    /// Every request the venue serves, by payload type. Any other payload type is answered 50
    /// `UNSUPPORTED_MESSAGE` (simulator choice: the venue serves the calls of protocols.md §5.8 only).
    static let all: [Int64: CTraderRequestSchema] = [
        CTraderPayloadType.applicationAuthReq: CTraderRequestSchema(
            message: "ProtoOAApplicationAuthReq", fields: [required("clientId", text), required("clientSecret", text)]),
        CTraderPayloadType.accountAuthReq: CTraderRequestSchema(
            message: "ProtoOAAccountAuthReq", fields: [account, required("accessToken", text)]),
        CTraderPayloadType.versionReq: CTraderRequestSchema(message: "ProtoOAVersionReq", fields: []),
        CTraderPayloadType.newOrderReq: CTraderRequestSchema(
            message: "ProtoOANewOrderReq",
            fields: [
                account, required("symbolId", .int64), required("orderType", .enumeration(.orderType)),
                required("tradeSide", .enumeration(.tradeSide)), required("volume", .int64),
                optional("limitPrice", .double), optional("stopPrice", .double),
                optional("timeInForce", .enumeration(.timeInForce)), optional("expirationTimestamp", .int64),
                optional("stopLoss", .double), optional("takeProfit", .double),
                optional("comment", .string(maxLength: 512)), optional("baseSlippagePrice", .double),
                optional("slippageInPoints", .int64), optional("label", .string(maxLength: 100)),
                optional("positionId", .int64), optional("clientOrderId", .string(maxLength: 50)),
                optional("relativeStopLoss", .int64), optional("relativeTakeProfit", .int64),
                optional("guaranteedStopLoss", .bool), optional("trailingStopLoss", .bool),
                optional("stopTriggerMethod", .enumeration(.triggerMethod)),
            ]),
        CTraderPayloadType.cancelOrderReq: CTraderRequestSchema(
            message: "ProtoOACancelOrderReq", fields: [account, required("orderId", .int64)]),
        CTraderPayloadType.closePositionReq: CTraderRequestSchema(
            message: "ProtoOAClosePositionReq",
            fields: [account, required("positionId", .int64), required("volume", .int64)]),
        CTraderPayloadType.assetListReq: CTraderRequestSchema(message: "ProtoOAAssetListReq", fields: [account]),
        CTraderPayloadType.symbolsListReq: CTraderRequestSchema(
            message: "ProtoOASymbolsListReq", fields: [account, optional("includeArchivedSymbols", .bool)]),
        CTraderPayloadType.symbolByIdReq: CTraderRequestSchema(
            message: "ProtoOASymbolByIdReq", fields: [account, optional("symbolId", .int64List)]),
        CTraderPayloadType.traderReq: CTraderRequestSchema(message: "ProtoOATraderReq", fields: [account]),
        CTraderPayloadType.reconcileReq: CTraderRequestSchema(
            message: "ProtoOAReconcileReq", fields: [account, optional("returnProtectionOrders", .bool)]),
        CTraderPayloadType.subscribeSpotsReq: CTraderRequestSchema(
            message: "ProtoOASubscribeSpotsReq",
            fields: [account, optional("symbolId", .int64List), optional("subscribeToSpotTimestamp", .bool)]),
        CTraderPayloadType.unsubscribeSpotsReq: CTraderRequestSchema(
            message: "ProtoOAUnsubscribeSpotsReq", fields: [account, optional("symbolId", .int64List)]),
        CTraderPayloadType.accountListByAccessTokenReq: CTraderRequestSchema(
            message: "ProtoOAGetAccountListByAccessTokenReq", fields: [required("accessToken", text)]),
        CTraderPayloadType.refreshTokenReq: CTraderRequestSchema(
            message: "ProtoOARefreshTokenReq", fields: [required("refreshToken", text)]),
    ]

    /// Checks `payload` against the fields; returns the values by name, or a description naming the offending field.
    ///
    /// Simulator choices (unverified): an unknown field is refused (as protobuf's JSON parser does by default); a
    /// `null` value counts as absent; int64 values may also come as decimal strings (the proto3 JSON mapping allows
    /// both); enum values may come as integers or value names; a repeated field must be an array.
    func validate(_ payload: [(String, ExactJSON)]) -> Result<CTraderPayload, CTraderFieldProblem> {
        var values: [String: ExactJSON] = [:]
        for (name, value) in payload {
            guard let field = self.fields.first(where: { $0.name == name }) else {
                return .failure(CTraderFieldProblem(field: name, reason: "is not a field of \(self.message)"))
            }
            if case .null = value { continue }
            if let reason = Self.problem(of: value, as: field.type) {
                return .failure(CTraderFieldProblem(field: name, reason: reason))
            }
            values[name] = value
        }
        for field in self.fields where field.isRequired && values[field.name] == nil {
            return .failure(CTraderFieldProblem(field: field.name, reason: "is required"))
        }
        return .success(CTraderPayload(values: values))
    }

    private static func problem(of value: ExactJSON, as type: CTraderFieldType) -> String? {
        switch type {
        case .int64:
            return CTraderPayload.int64(value) == nil ? "must be an int64" : nil
        case .double:
            guard let number = value.decimalValue, number.isFinite else { return "must be a number" }
            return nil
        case .bool:
            if case .bool = value { return nil }
            return "must be true or false"
        case .string(let maxLength):
            guard let text = value.stringValue else { return "must be a string" }
            return text.count > maxLength ? "must be at most \(maxLength) characters" : nil
        case .enumeration(let table):
            return CTraderPayload.enumValue(value, table) == nil ? "must be a value of \(table.name)" : nil
        case .int64List:
            guard case .array(let items) = value else { return "must be an array of int64" }
            return items.allSatisfy({ CTraderPayload.int64($0) != nil }) ? nil : "must be an array of int64"
        }
    }
}

/// A field that breaks its message's schema: answered 2142 `INVALID_REQUEST` with a description naming it.
struct CTraderFieldProblem: Error, Sendable {
    var field: String
    var reason: String

    var description: String { "Field '\(self.field)' \(self.reason)" }
}

/// A validated request payload.
struct CTraderPayload: Sendable {
    let values: [String: ExactJSON]

    func int64(_ name: String) -> Int64? { self.values[name].flatMap(Self.int64) }

    func double(_ name: String) -> Decimal? { self.values[name]?.decimalValue }

    func bool(_ name: String) -> Bool? {
        if case .bool(let value)? = self.values[name] { value } else { nil }
    }

    func string(_ name: String) -> String? { self.values[name]?.stringValue }

    func enumValue(_ name: String, _ table: CTraderEnum) -> Int64? {
        self.values[name].flatMap { Self.enumValue($0, table) }
    }

    /// A repeated int64 field (empty when absent).
    func int64List(_ name: String) -> [Int64] {
        guard case .array(let items)? = self.values[name] else { return [] }
        return items.compactMap(Self.int64)
    }

    /// An integer literal that fits `Int64`, or a string holding one.
    static func int64(_ value: ExactJSON) -> Int64? {
        if let number = value.int64Value { return number }
        guard let text = value.stringValue, !text.isEmpty,
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") })
        else { return nil }
        return Int64(text)
    }

    /// An enum value given as an integer of `table` or as a value name.
    static func enumValue(_ value: ExactJSON, _ table: CTraderEnum) -> Int64? {
        if let number = value.int64Value { return table.values.values.contains(number) ? number : nil }
        return value.stringValue.flatMap { table.values[$0] }
    }
}
