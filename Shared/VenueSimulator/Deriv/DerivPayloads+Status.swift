import Foundation

extension DerivPayloads {
    /// `proposal_open_contract`: the contract's state as of its latest valuation (`id` when streamed).
    static func openContract(_ contract: DerivContract, streamID: String?, now: Date) -> ExactJSON {
        let spec = contract.spec
        let pips = spec.symbol.pipDecimals
        let isFinished = !contract.isOpen
        let bid = contract.sellPrice ?? contract.valuation(at: contract.currentSpot).bid
        let profit = bid - contract.buyPrice
        let percentage = contract.buyPrice > 0 ? (profit / contract.buyPrice * 100).rounded(scale: 2) : 0
        let isExpired = !spec.type.isMultiplier && (contract.expiryDate.map { now >= $0 } ?? false)
        let isValidToSell = contract.isOpen && spec.type.isMultiplier
        let start = contract.purchaseDate.epochSeconds
        let barrier = contract.barrierLevel ?? contract.entrySpot
        var members: [(String, ExactJSON)] = [
            ("barrier", spec.type.isMultiplier ? .null : .string(barrier.fixed(pips))),
            ("bid_price", .decimal(bid)), ("buy_price", .decimal(contract.buyPrice)),
        ]
        if let cancellation = spec.cancellation, let end = contract.cancellationExpiry {
            members.append(
                ("cancellation", .object([
                    ("ask_price", .decimal(cancellation.fee)), ("date_expiry", .int(end.epochSeconds)),
                ])))
        }
        if spec.type.isMultiplier { members.append(("commission", .decimal(spec.commission))) }
        members += [
            ("contract_id", .int(contract.id)), ("contract_type", .string(spec.type.rawValue)),
            ("currency", .string("USD")), ("current_spot", .decimal(contract.currentSpot)),
            ("current_spot_display_value", .string(contract.currentSpot.fixed(pips))),
            ("current_spot_time", .int(contract.currentSpotDate.epochSeconds)),
            ("date_expiry", .int(contract.expiryEpoch)), ("date_settlement", .int(contract.expiryEpoch)),
            ("date_start", .int(start)), ("display_name", .string(spec.symbol.displayName)),
            ("display_value", .string(bid.money)), ("entry_spot", .decimal(contract.entrySpot)),
            ("entry_spot_display_value", .string(contract.entrySpot.fixed(pips))),
            ("entry_tick", .decimal(contract.entrySpot)),
            ("entry_tick_display_value", .string(contract.entrySpot.fixed(pips))), ("entry_tick_time", .int(start)),
        ]
        if let exit = contract.exitSpot, let sold = contract.sellDate {
            members += [
                ("exit_tick", .decimal(exit)), ("exit_tick_display_value", .string(exit.fixed(pips))),
                ("exit_tick_time", .int(sold.epochSeconds)),
            ]
        }
        members.append(("expiry_time", .int(contract.expiryEpoch)))
        if let streamID { members.append(("id", .string(streamID))) }
        let isIntraday = !spec.type.isMultiplier && (spec.duration.map { $0.unit != "d" } ?? false)
        members += [
            ("is_expired", .int(isExpired ? 1 : 0)), ("is_forward_starting", .int(0)),
            ("is_intraday", .int(isIntraday ? 1 : 0)), ("is_path_dependent", .int(spec.type.isMultiplier ? 1 : 0)),
            ("is_settleable", .int(isExpired ? 1 : 0)), ("is_sold", .int(isFinished ? 1 : 0)),
            ("is_valid_to_cancel", .int(contract.canCancel(at: now) ? 1 : 0)),
            ("is_valid_to_sell", .int(isValidToSell ? 1 : 0)),
        ]
        if spec.type.isMultiplier {
            if contract.isOpen {
                let stopLoss = contract.canCancel(at: now) ? 0 : 1
                members.append(
                    ("is_valid_to_update", .object([
                        ("stop_loss", .int(stopLoss)), ("stop_out", .int(0)), ("take_profit", .int(1)),
                    ])))
            }
            members.append(
                ("limit_order", Self.limitOrder(
                    spec, entry: contract.entrySpot, buyPrice: contract.buyPrice, takeProfit: contract.takeProfit,
                    stopLoss: contract.stopLoss, date: contract.limitOrderDate.epochSeconds)))
        }
        members.append(("longcode", .string(contract.longcode)))
        if let multiplier = spec.multiplier { members.append(("multiplier", .decimal(multiplier))) }
        members += [
            ("payout", .decimal(spec.payout)), ("profit", .decimal(profit)),
            ("profit_percentage", .decimal(percentage)), ("purchase_time", .int(start)),
        ]
        if let price = contract.sellPrice, let exit = contract.exitSpot, let sold = contract.sellDate {
            members += [
                ("sell_price", .decimal(price)), ("sell_spot", .decimal(exit)),
                ("sell_spot_display_value", .string(exit.fixed(pips))), ("sell_spot_time", .int(sold.epochSeconds)),
            ]
        }
        members.append(("sell_time", contract.sellDate.map { .int($0.epochSeconds) } ?? .null))
        var transactions: [(String, ExactJSON)] = [("buy", .int(contract.buyTransactionID))]
        if let sell = contract.sellTransactionID { transactions.append(("sell", .int(sell))) }
        members += [
            ("shortcode", .string(contract.shortcode)), ("status", .string(contract.status.rawValue)),
            ("transaction_ids", .object(transactions)), ("underlying", .string(spec.symbol.symbol)),
        ]
        if contract.isOpen, !isValidToSell {
            members.append(("validation_error", .string("Resale of this contract is not offered.")))
        }
        return .object(members)
    }

    /// One `active_symbols` item; `full` adds the optional members.
    static func activeSymbol(_ quote: DerivQuote, order: Int, full: Bool) -> ExactJSON {
        let symbol = quote.symbol
        let kind = symbol.classification
        var members: [(String, ExactJSON)] = []
        if full { members += [("allow_forward_starting", .int(0)), ("delay_amount", .int(0))] }
        members += [("display_name", .string(symbol.displayName)), ("display_order", .int(order))]
        members.append(("exchange_is_open", .int(1)))
        if full {
            members += [
                ("exchange_name", .string(kind["exchange_name"] ?? "")), ("intraday_interval_minutes", .int(1)),
            ]
        }
        members += [
            ("is_trading_suspended", .int(0)), ("market", .string(kind["market"] ?? "")),
            ("market_display_name", .string(kind["market_display_name"] ?? "")), ("pip", .decimal(symbol.pip)),
        ]
        if full { members.append(("quoted_currency_symbol", .string(symbol.isSynthetic ? "" : "USD"))) }
        members.append(("spot", .decimal(quote.quote)))
        if full {
            members += [
                ("spot_age", .string("0")), ("spot_percentage_change", .string("0.00")),
                ("spot_time", .string(String(quote.time.epochSeconds))),
            ]
        }
        members += [
            ("subgroup", .string(kind["subgroup"] ?? "")),
            ("subgroup_display_name", .string(kind["subgroup_display_name"] ?? "")),
            ("submarket", .string(kind["submarket"] ?? "")),
            ("submarket_display_name", .string(kind["submarket_display_name"] ?? "")),
            ("symbol", .string(symbol.symbol)), ("symbol_type", .string(kind["symbol_type"] ?? "")),
        ]
        return .object(members)
    }

    /// `website_status`: site up, the call limits (`max_requests_pricing.minutely` is the enforced
    /// `callsPerMinute`; the other figures are advertised only, Deriv's published values, not enforced), USD.
    static func websiteStatus(callsPerMinute: Int) -> ExactJSON {
        func limit(_ appliesTo: String, hourly: Int, minutely: Int) -> ExactJSON {
            .object([
                ("applies_to", .string(appliesTo)), ("hourly", .int(hourly)), ("minutely", .int(minutely)),
            ])
        }
        let limits = ExactJSON.object([
            ("max_proposal_subscription", .object([
                ("applies_to", .string("subscribing to proposal concurrently")), ("max", .int(5)),
            ])),
            ("max_requestes_general", limit("rest of calls", hourly: 14_400, minutely: 220)),
            ("max_requests_outcome", limit("portfolio, statement and profit table", hourly: 1_500, minutely: 30)),
            ("max_requests_pricing", limit(
                "buy, sell, proposal and proposal open contract", hourly: callsPerMinute * 40,
                minutely: callsPerMinute)),
        ])
        let usd = ExactJSON.object([
            ("fractional_digits", .int(2)), ("is_deposit_suspended", .int(0)), ("is_suspended", .int(0)),
            ("is_withdrawal_suspended", .int(0)), ("name", .string("US Dollar")), ("stake_default", .int(10)),
            ("transfer_between_accounts", .object([
                ("fees", .object([])), ("limits", .object([("max", .int(2_000)), ("min", .int(1))])),
            ])),
            ("type", .string("fiat")),
        ])
        return .object([
            ("api_call_limits", limits), ("clients_country", .string("mt")),
            ("currencies_config", .object([("USD", usd)])), ("site_status", .string("up")),
            ("supported_languages", .array([.string("EN")])), ("terms_conditions_version", .string("sim-1")),
        ])
    }
}
