import Foundation

/// The payloads of the Deriv answers, each valid against its call's `receive.json` (members in alphabetical order,
/// as Deriv writes them). Account details and texts not fixed by the task are simulator choices (unverified).
enum DerivPayloads {
    /// `authorize`: the one virtual account and the token's scopes.
    static func authorize(balance: Decimal, scopes: [DerivScope]) -> ExactJSON {
        let account = ExactJSON.object([
            ("account_category", .string("trading")), ("account_type", .string("binary")), ("broker", .string("VRTC")),
            ("created_at", .int(Int64(1_704_067_200))), ("currency", .string("USD")),
            ("currency_type", .string("fiat")), ("is_disabled", .int(0)), ("is_virtual", .int(1)),
            ("landing_company_name", .string("virtual")), ("linked_to", .array([])),
            ("loginid", .string(DerivSimulator.loginID)),
        ])
        return .object([
            ("account_list", .array([account])), ("balance", .decimal(balance)), ("country", .string("mt")),
            ("currency", .string("USD")), ("email", .string("sim@example.com")), ("fullname", .string("Sim Trader")),
            ("is_virtual", .int(1)), ("landing_company_fullname", .string("Deriv Limited")),
            ("landing_company_name", .string("virtual")), ("linked_to", .array([])),
            ("local_currencies", .object([("EUR", .object([("fractional_digits", .int(2))]))])),
            ("loginid", .string(DerivSimulator.loginID)), ("preferred_language", .string("EN")),
            ("scopes", .array(scopes.map { .string($0.rawValue) })), ("upgradeable_landing_companies", .array([])),
            ("user_id", .int(Int64(10_000_001))),
        ])
    }

    /// `tick`: quote, bid and ask rounded to the symbol's pips, `pip_size` the number of decimals.
    static func tick(_ quote: DerivQuote, id: String) -> ExactJSON {
        .object([
            ("ask", .decimal(quote.ask)), ("bid", .decimal(quote.bid)), ("epoch", .int(quote.time.epochSeconds)),
            ("id", .string(id)), ("pip_size", .int(quote.symbol.pipDecimals)), ("quote", .decimal(quote.quote)),
            ("symbol", .string(quote.symbol.symbol)),
        ])
    }

    /// `balance`; with `all`, also `accounts` and `total` (one virtual account).
    static func balance(_ balance: Decimal, id: String?, all: Bool) -> ExactJSON {
        var members: [(String, ExactJSON)] = []
        if all {
            let account = ExactJSON.object([
                ("balance", .decimal(balance)), ("converted_amount", .decimal(balance)), ("currency", .string("USD")),
                ("demo_account", .int(1)), ("status", .int(1)), ("type", .string("deriv")),
            ])
            members.append(("accounts", .object([(DerivSimulator.loginID, account)])))
        }
        members += [("balance", .decimal(balance)), ("currency", .string("USD"))]
        if let id { members.append(("id", .string(id))) }
        members.append(("loginid", .string(DerivSimulator.loginID)))
        if all {
            let total = ExactJSON.object([("amount", .decimal(balance)), ("currency", .string("USD"))])
            members.append(("total", .object([("deriv_demo", total)])))
        }
        return .object(members)
    }

    /// `proposal` for `spec` at `quote` (`date_start` is now; CALL/PUT also `date_expiry`).
    static func proposal(_ spec: DerivContractSpec, id: String, quote: DerivQuote, tickInterval: Duration)
        -> ExactJSON
    {
        let now = quote.time.epochSeconds
        var members: [(String, ExactJSON)] = [("ask_price", .decimal(spec.askPrice))]
        if let cancellation = spec.cancellation {
            members.append(
                ("cancellation", .object([
                    ("ask_price", .decimal(cancellation.fee)),
                    ("date_expiry", .int(now + Int64(cancellation.minutes * 60))),
                ])))
        }
        if spec.type.isMultiplier { members.append(("commission", .decimal(spec.commission))) }
        if let lifetime = spec.lifetime(tickInterval: tickInterval) {
            let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) * 1e-18
            members.append(
                ("date_expiry", .int(Int64((quote.time.timeIntervalSince1970 + seconds).rounded(.up)))))
        }
        members += [("date_start", .int(now)), ("display_value", .string(spec.askPrice.money)), ("id", .string(id))]
        if let multiplier = spec.multiplier {
            let orders = Self.limitOrder(
                spec, entry: quote.quote, buyPrice: spec.askPrice, takeProfit: spec.takeProfit,
                stopLoss: spec.stopLoss, date: now)
            members.append(("limit_order", orders))
            members.append(("longcode", .string(spec.longcode)))
            members.append(("multiplier", .decimal(multiplier)))
        } else {
            members.append(("longcode", .string(spec.longcode)))
        }
        members += [
            ("payout", .decimal(spec.payout)), ("spot", .decimal(quote.quote)), ("spot_time", .int(now)),
        ]
        var validation: [(String, ExactJSON)] = [
            ("stake", .object([("max", .string("2000.00")), ("min", .string("1.00"))]))
        ]
        if spec.type.isMultiplier {
            validation.append(("stop_loss", .object([("max", .string(spec.stake.money)), ("min", .string("0.01"))])))
            validation.append(
                ("take_profit", .object([("max", .string((spec.stake * 1_000).money)), ("min", .string("0.01"))])))
        }
        members.append(("validation_params", .object(validation)))
        return .object(members)
    }

    /// `limit_order` of a multiplier: `stop_out` always, `take_profit` and `stop_loss` when set. `value` is the
    /// spot at which the order triggers, `order_amount` the profit (negative: loss) at which it does.
    static func limitOrder(
        _ spec: DerivContractSpec, entry: Decimal, buyPrice: Decimal, takeProfit: Decimal?, stopLoss: Decimal?,
        date: Int64
    ) -> ExactJSON {
        let fee = buyPrice - spec.stake
        let notional = spec.stake * (spec.multiplier ?? 1)
        func level(profit: Decimal) -> String {
            let spot = entry * (1 + spec.type.direction * (profit + fee + spec.commission) / notional)
            return spot.fixed(spec.symbol.pipDecimals)
        }
        func order(_ name: String, amount: Decimal?, value: String?) -> ExactJSON {
            .object([
                ("display_name", .string(name)), ("display_order_amount", .optionalString(amount?.money)),
                ("order_amount", amount.map(ExactJSON.decimal) ?? .null), ("order_date", .int(date)),
                ("value", .optionalString(value)),
            ])
        }
        var members: [(String, ExactJSON)] = []
        if let stopLoss {
            members.append(("stop_loss", order("Stop loss", amount: -stopLoss, value: level(profit: -stopLoss))))
        }
        members.append(("stop_out", order("Stop out", amount: -spec.stake, value: level(profit: -buyPrice))))
        if let takeProfit {
            members.append(("take_profit", order("Take profit", amount: takeProfit, value: level(profit: takeProfit))))
        }
        return .object(members)
    }

    /// `buy`.
    static func buy(_ contract: DerivContract, balanceAfter: Decimal) -> ExactJSON {
        .object([
            ("balance_after", .decimal(balanceAfter)), ("buy_price", .decimal(contract.buyPrice)),
            ("contract_id", .int(contract.id)), ("longcode", .string(contract.longcode)),
            ("payout", .decimal(contract.spec.payout)), ("purchase_time", .int(contract.purchaseDate.epochSeconds)),
            ("shortcode", .string(contract.shortcode)), ("start_time", .int(contract.purchaseDate.epochSeconds)),
            ("transaction_id", .int(contract.buyTransactionID)),
        ])
    }

    /// `sell` and `cancel`: the sale's transaction, the buy transaction as `reference_id`, the amount credited.
    static func sale(_ contract: DerivContract, balanceAfter: Decimal) -> ExactJSON {
        .object([
            ("balance_after", .decimal(balanceAfter)), ("contract_id", .int(contract.id)),
            ("reference_id", .int(contract.buyTransactionID)), ("sold_for", .decimal(contract.sellPrice ?? 0)),
            ("transaction_id", .int(contract.sellTransactionID ?? 0)),
        ])
    }

    /// `contract_update`: the contract's take profit and stop loss after the update (`null` amounts when unset).
    static func contractUpdate(_ contract: DerivContract) -> ExactJSON {
        let orders = Self.limitOrder(
            contract.spec, entry: contract.entrySpot, buyPrice: contract.buyPrice, takeProfit: contract.takeProfit,
            stopLoss: contract.stopLoss, date: contract.limitOrderDate.epochSeconds)
        func entry(_ key: String, _ name: String) -> ExactJSON {
            guard let order = orders[key]?.members else {
                return .object([
                    ("display_name", .string(name)), ("order_amount", .null),
                    ("order_date", .int(contract.limitOrderDate.epochSeconds)), ("value", .null),
                ])
            }
            return .object(order.filter { $0.0 != "display_order_amount" })
        }
        return .object([
            ("stop_loss", entry("stop_loss", "Stop loss")), ("take_profit", entry("take_profit", "Take profit")),
        ])
    }

    /// One `portfolio.contracts` item.
    static func portfolioItem(_ contract: DerivContract) -> ExactJSON {
        .object([
            ("app_id", contract.appID.map(ExactJSON.int) ?? .null), ("buy_price", .decimal(contract.buyPrice)),
            ("contract_id", .int(contract.id)), ("contract_type", .string(contract.spec.type.rawValue)),
            ("currency", .string("USD")), ("date_start", .int(contract.purchaseDate.epochSeconds)),
            ("expiry_time", .int(contract.expiryEpoch)), ("longcode", .string(contract.longcode)),
            ("payout", .decimal(contract.spec.payout)), ("purchase_time", .int(contract.purchaseDate.epochSeconds)),
            ("shortcode", .string(contract.shortcode)), ("symbol", .string(contract.spec.symbol.symbol)),
            ("transaction_id", .int(contract.buyTransactionID)),
        ])
    }
}
