import Foundation

/// A token scope (protocols.md §4.1).
enum DerivScope: String, Sendable, CaseIterable {
    case read
    case trade
    case tradingInformation = "trading_information"
    case payments
    case admin
}

/// The calls the simulated Deriv face answers (protocols.md §4.3): the request's key naming the call carries its
/// primary value.
enum DerivCall: String, Sendable, CaseIterable {
    case authorize, ping, time, ticks, forget
    case forgetAll = "forget_all"
    case balance, portfolio, proposal, buy, sell
    case proposalOpenContract = "proposal_open_contract"
    case cancel
    case contractUpdate = "contract_update"
    case activeSymbols = "active_symbols"
    case websiteStatus = "website_status"

    /// The call of a request: the first of its keys that names a call, or `nil` (`UnrecognisedRequest`).
    static func of(_ members: [(String, ExactJSON)]) -> DerivCall? {
        members.lazy.compactMap { DerivCall(rawValue: $0.0) }.first
    }

    /// `msg_type` of the answer and the key of its payload: `tick` for `ticks`, else the call's name.
    var messageType: String {
        self == .ticks ? "tick" : self.rawValue
    }

    /// The scopes of which a token needs one, or `nil` when the call needs no authorization (the send schemas'
    /// `auth_required` and `auth_scopes`).
    var requiredScopes: [DerivScope]? {
        switch self {
        case .balance, .portfolio, .proposalOpenContract: [.read, .tradingInformation]
        case .buy, .sell, .cancel, .contractUpdate: [.trade]
        default: nil
        }
    }

    /// Whether the call counts against the shared pricing/trading budget (`callsPerMinute`).
    var isRateLimited: Bool {
        [.buy, .sell, .proposal, .proposalOpenContract].contains(self)
    }

    /// The call's request schema, transcribed from the vendor's `send.json`.
    var schema: DerivRequestSchema {
        Self.schemas[self] ?? .anyObject
    }

    private static let schemas = Dictionary(uniqueKeysWithValues: Self.allCases.map { ($0, $0.makeSchema()) })

    private func makeSchema() -> DerivRequestSchema {
        typealias S = DerivRequestSchema
        let one = S.integer(values: [1])
        let loginID: (String, S) = ("loginid", .string(pattern: .loginID))
        func request(_ properties: [(String, S)], required: [String], loginID hasLoginID: Bool = true) -> S {
            var all = properties
            if hasLoginID { all.append(loginID) }
            all += [("passthrough", .anyObject), ("req_id", .integer())]
            return .object(properties: all, required: required)
        }
        switch self {
        case .authorize:
            return request(
                [
                    ("authorize", .string(pattern: .token)), ("add_to_login_history", .integer(values: [1, 0])),
                    ("tokens", .array(items: .string(pattern: .token), maxItems: 25)),
                ], required: ["authorize"], loginID: false)
        case .ping, .time:
            return request([(self.rawValue, one)], required: [self.rawValue], loginID: false)
        case .ticks:
            let symbol = S.string(pattern: .symbol)
            return request(
                [("ticks", .oneOf([symbol, .array(items: symbol)])), ("subscribe", one)], required: ["ticks"],
                loginID: false)
        case .forget:
            return request([("forget", .string(pattern: .streamID))], required: ["forget"], loginID: false)
        case .forgetAll:
            let type = S.string(values: DerivSchemaLists.streamTypes)
            return request(
                [("forget_all", .oneOf([type, .array(items: type)]))], required: ["forget_all"], loginID: false)
        case .balance:
            return request(
                [
                    ("balance", one), ("account", .string(pattern: .account)),
                    ("subscribe", .integer(values: [0, 1])),
                ], required: ["balance"])
        case .portfolio:
            return request(
                [
                    ("portfolio", one),
                    ("contract_type", .array(items: .string(values: DerivSchemaLists.listedContractTypes))),
                ], required: ["portfolio"])
        case .proposal:
            return request(
                [("proposal", one)] + DerivSchemaLists.contractParameters(forBuy: false) + [("subscribe", one)],
                required: ["proposal", "contract_type", "currency", "symbol"])
        case .buy:
            let parameters = S.object(
                properties: DerivSchemaLists.contractParameters(forBuy: true),
                required: ["contract_type", "currency", "symbol"])
            return request(
                [
                    ("buy", .string(pattern: .buy)), ("parameters", parameters), ("price", .number(minimum: 0)),
                    ("subscribe", one),
                ], required: ["buy", "price"])
        case .sell:
            return request([("sell", .integer()), ("price", .number())], required: ["sell", "price"])
        case .proposalOpenContract:
            return request(
                [("proposal_open_contract", one), ("contract_id", .integer()), ("subscribe", one)],
                required: ["proposal_open_contract"])
        case .cancel:
            return request([("cancel", .integer())], required: ["cancel"])
        case .contractUpdate:
            let limitOrder = S.object(properties: [
                ("stop_loss", .number(nullable: true)), ("take_profit", .number(nullable: true)),
            ])
            return request(
                [("contract_update", one), ("contract_id", .integer()), ("limit_order", limitOrder)],
                required: ["contract_update", "contract_id", "limit_order"])
        case .activeSymbols:
            let companies = ["iom", "malta", "maltainvest", "svg", "virtual", "vanuatu"]
            return request(
                [
                    ("active_symbols", .string(values: ["brief", "full"])),
                    ("barrier_category", .array(items: .string(values: DerivSchemaLists.barrierCategories))),
                    ("contract_type", .array(items: .string(values: DerivSchemaLists.listedContractTypes))),
                    ("landing_company", .string(values: companies)),
                    ("landing_company_short", .string(values: companies)),
                    ("product_type", .string(values: ["basic"])),
                ], required: ["active_symbols"])
        case .websiteStatus:
            return request(
                [("website_status", one), ("subscribe", .integer(values: [0, 1]))], required: ["website_status"],
                loginID: false)
        }
    }
}

/// Enumerations shared by several request schemas.
enum DerivSchemaLists {
    /// Every contract type `proposal` and `buy` accept.
    static let contractTypes = [
        "ACCU", "ASIAND", "ASIANU", "CALL", "CALLE", "CALLSPREAD", "DIGITDIFF", "DIGITEVEN", "DIGITMATCH", "DIGITODD",
        "DIGITOVER", "DIGITUNDER", "EXPIRYMISS", "EXPIRYMISSE", "EXPIRYRANGE", "EXPIRYRANGEE", "LBFLOATCALL",
        "LBFLOATPUT", "LBHIGHLOW", "MULTDOWN", "MULTUP", "NOTOUCH", "ONETOUCH", "PUT", "PUTE", "PUTSPREAD", "RANGE",
        "RESETCALL", "RESETPUT", "RUNHIGH", "RUNLOW", "SNOWDOWN", "SNOWUP", "TICKHIGH", "TICKLOW", "TURBOSLONG",
        "TURBOSSHORT", "UPORDOWN", "VANILLALONGCALL", "VANILLALONGPUT",
    ]

    /// The contract types `portfolio` and `active_symbols` filter on (the same without `SNOWUP` and `SNOWDOWN`).
    static let listedContractTypes = contractTypes.filter { $0 != "SNOWUP" && $0 != "SNOWDOWN" }

    /// The stream types `forget_all` accepts.
    static let streamTypes = [
        "balance", "candles", "cashier_payments", "p2p_advert", "p2p_advertiser", "p2p_order", "proposal",
        "proposal_open_contract", "ticks", "transaction", "trading_platform_asset_listing", "website_status",
        "p2p_settings", "crypto_estimations",
    ]

    /// `active_symbols.barrier_category` values.
    static let barrierCategories = [
        "american", "asian", "euro_atm", "euro_non_atm", "non_financial", "lookback", "reset",
    ]

    /// The contract parameters of `proposal` (top level) and of `buy.parameters`; they differ only in
    /// `date_expiry.minimum` (0 and 1), `trading_period_start` (bounded in `buy`), `app_markup_percentage` (`buy`
    /// only) and `duration_unit`'s default.
    static func contractParameters(forBuy: Bool) -> [(String, DerivRequestSchema)] {
        let epoch = DerivRequestSchema.integer(minimum: forBuy ? 1 : 0, maximum: 9_999_999_999)
        let limitOrder = DerivRequestSchema.object(properties: [
            ("stop_loss", .number()), ("take_profit", .number()),
        ])
        var parameters: [(String, DerivRequestSchema)] = [
            ("amount", .number(minimum: 0)),
            ("barrier", .string(pattern: .barrier)), ("barrier2", .string(pattern: .barrier)),
            ("barrier_range", .string(values: ["tight", "middle", "wide"])),
            ("basis", .string(values: ["payout", "stake"])), ("cancellation", .string(pattern: .word)),
            ("contract_type", .string(values: contractTypes)), ("currency", .string(pattern: .currency)),
            ("date_expiry", epoch), ("date_start", .integer(minimum: 0, maximum: 9_999_999_999)),
            ("duration", .integer(minimum: 0, maximum: 99_999_999)),
            ("duration_unit", .string(values: ["d", "m", "s", "h", "t"])), ("growth_rate", .number()),
            ("limit_order", limitOrder), ("multiplier", .number(minimum: 0)), ("payout_per_point", .number()),
            ("product_type", .string(values: ["basic"])), ("selected_tick", .integer()),
            ("symbol", .string(pattern: .symbol)),
            ("trade_risk_profile", .string(values: ["low", "medium", "high"])),
            ("trading_period_start", forBuy ? .integer(minimum: 1, maximum: 9_999_999_999) : .integer()),
        ]
        if forBuy { parameters.append(("app_markup_percentage", .number())) }
        return parameters
    }
}
