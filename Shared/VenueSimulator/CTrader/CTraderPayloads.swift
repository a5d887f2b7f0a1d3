import Foundation

/// The payloads of the venue's answers and events, with the entity field names of protocols.md §5.6. Optional fields
/// without a value are omitted (as protobuf's JSON printer does); prices are numbers in real units, money is in cents
/// (`moneyDigits` 2), timestamps are Unix milliseconds.
enum CTraderPayloads {
    /// The account's brokerName (simulator choice).
    static let brokerName = "Tradewire Sim"

    /// 2115 `symbol[]`: a LightSymbol.
    static func lightSymbol(_ symbol: CTraderSymbol) -> OrderedJSON {
        .object([
            ("symbolId", .int(symbol.id)), ("symbolName", .string(symbol.name)), ("enabled", .bool(true)),
            ("baseAssetId", .int(symbol.baseAssetID)), ("quoteAssetId", .int(symbol.quoteAssetID)),
            ("symbolCategoryId", .int(symbol.categoryID)), ("description", .string(symbol.description)),
        ])
    }

    /// 2117 `symbol[]`: a full Symbol (the fields the task lists; no schedule, swaps or commissions).
    static func symbol(_ symbol: CTraderSymbol) -> OrderedJSON {
        .object([
            ("symbolId", .int(symbol.id)), ("digits", .int(Int64(symbol.digits))),
            ("pipPosition", .int(Int64(symbol.pipPosition))), ("enableShortSelling", .bool(true)),
            ("maxVolume", .int(symbol.maxVolume)), ("minVolume", .int(symbol.minVolume)),
            ("stepVolume", .int(symbol.stepVolume)), ("lotSize", .int(symbol.lotSize)), ("tradingMode", .int(0)),
        ])
    }

    /// 2113 `asset[]`.
    static func asset(_ asset: CTraderAsset) -> OrderedJSON {
        .object([
            ("assetId", .int(asset.id)), ("name", .string(asset.name)), ("displayName", .string(asset.displayName)),
            ("digits", .int(Int64(asset.digits))),
        ])
    }

    /// 2122 `trader`.
    static func trader(
        _ configuration: CTraderSimulatorConfiguration, balance: Int64, balanceVersion: Int64, registeredAt: Date
    ) -> OrderedJSON {
        .object([
            ("ctidTraderAccountId", .int(configuration.accountId)), ("balance", .int(balance)),
            ("balanceVersion", .int(balanceVersion)), ("depositAssetId", .int(CTraderAsset.usd)),
            ("moneyDigits", .int(2)), ("leverageInCents", .int(Int64(configuration.leverageInCents))),
            ("accessRights", .int(0)), ("accountType", .int(0)), ("traderLogin", .int(configuration.traderLogin)),
            ("brokerName", .string(Self.brokerName)), ("registrationTimestamp", .int(registeredAt.cTraderMilliseconds)),
        ])
    }

    /// `tradeData` of a position or an order.
    private static func tradeData(
        symbolID: Int64, volume: Int64, side: CTraderSide, openedAt: Date, label: String?, comment: String?,
        closedAt: Date? = nil
    ) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("symbolId", .int(symbolID)), ("volume", .int(volume)), ("tradeSide", .int(side.rawValue)),
            ("openTimestamp", .int(openedAt.cTraderMilliseconds)),
        ]
        if let label { members.append(("label", .string(label))) }
        if let comment { members.append(("comment", .string(comment))) }
        if let closedAt { members.append(("closeTimestamp", .int(closedAt.cTraderMilliseconds))) }
        return .object(members)
    }

    /// A Position. A CREATED position (of an ORDER_ACCEPTED event) has no price yet.
    static func position(_ position: CTraderPosition) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("positionId", .int(position.id)),
            (
                "tradeData",
                Self.tradeData(
                    symbolID: position.symbolID, volume: position.volume, side: position.side,
                    openedAt: position.openedAt, label: position.label, comment: position.comment,
                    closedAt: position.closedAt)
            ),
            ("positionStatus", .int(position.status.rawValue)), ("swap", .int(0)),
        ]
        if position.status != .created { members.append(("price", .number(position.price))) }
        if let stopLoss = position.stopLoss { members.append(("stopLoss", .number(stopLoss))) }
        if let takeProfit = position.takeProfit { members.append(("takeProfit", .number(takeProfit))) }
        members += [
            ("utcLastUpdateTimestamp", .int(position.updatedAt.cTraderMilliseconds)), ("commission", .int(0)),
            ("usedMargin", .int(position.status == .created ? 0 : position.usedMargin)), ("moneyDigits", .int(2)),
        ]
        return .object(members)
    }

    /// An Order.
    static func order(_ order: CTraderOrder) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("orderId", .int(order.id)),
            (
                "tradeData",
                Self.tradeData(
                    symbolID: order.symbolID, volume: order.volume, side: order.side, openedAt: order.createdAt,
                    label: order.label, comment: order.comment)
            ),
            ("orderType", .int(order.type.rawValue)), ("orderStatus", .int(order.status.rawValue)),
        ]
        if let expiration = order.expirationTimestamp { members.append(("expirationTimestamp", .int(expiration))) }
        if let price = order.executionPrice { members.append(("executionPrice", .number(price))) }
        if let volume = order.executedVolume { members.append(("executedVolume", .int(volume))) }
        members.append(("utcLastUpdateTimestamp", .int(order.updatedAt.cTraderMilliseconds)))
        members.append(("closingOrder", .bool(order.isClosing)))
        if let price = order.limitPrice { members.append(("limitPrice", .number(price))) }
        if let price = order.stopPrice { members.append(("stopPrice", .number(price))) }
        if let price = order.stopLoss { members.append(("stopLoss", .number(price))) }
        if let price = order.takeProfit { members.append(("takeProfit", .number(price))) }
        if let id = order.clientOrderID { members.append(("clientOrderId", .string(id))) }
        members.append(("timeInForce", .int(order.timeInForce)))
        if let id = order.positionID { members.append(("positionId", .int(id))) }
        if let value = order.relativeStopLoss { members.append(("relativeStopLoss", .int(value))) }
        if let value = order.relativeTakeProfit { members.append(("relativeTakeProfit", .int(value))) }
        return .object(members)
    }

    /// A Deal; a closing deal carries `closePositionDetail`.
    static func deal(_ deal: CTraderDeal) -> OrderedJSON {
        let time = OrderedJSON.int(deal.executedAt.cTraderMilliseconds)
        var members: [(String, OrderedJSON)] = [
            ("dealId", .int(deal.id)), ("orderId", .int(deal.orderID)), ("positionId", .int(deal.positionID)),
            ("volume", .int(deal.volume)), ("filledVolume", .int(deal.volume)), ("symbolId", .int(deal.symbolID)),
            ("createTimestamp", time), ("executionTimestamp", time), ("utcLastUpdateTimestamp", time),
            ("executionPrice", .number(deal.price)), ("tradeSide", .int(deal.side.rawValue)), ("dealStatus", .int(2)),
            ("commission", .int(0)),
        ]
        if let detail = deal.closeDetail {
            members.append(
                (
                    "closePositionDetail",
                    .object([
                        ("entryPrice", .number(detail.entryPrice)), ("grossProfit", .int(detail.grossProfit)),
                        ("swap", .int(0)), ("commission", .int(0)), ("balance", .int(detail.balance)),
                        ("closedVolume", .int(detail.closedVolume)), ("balanceVersion", .int(detail.balanceVersion)),
                        ("moneyDigits", .int(2)),
                    ])
                ))
        }
        members.append(("moneyDigits", .int(2)))
        return .object(members)
    }

    /// 2126 ExecutionEvent `{ctidTraderAccountId, executionType, position?, order?, deal?}`.
    static func execution(_ execution: CTraderExecution, account: Int64) -> [(String, OrderedJSON)] {
        var members: [(String, OrderedJSON)] = [
            ("ctidTraderAccountId", .int(account)), ("executionType", .int(execution.type.rawValue)),
        ]
        if let position = execution.position { members.append(("position", Self.position(position))) }
        if let order = execution.order { members.append(("order", Self.order(order))) }
        if let deal = execution.deal { members.append(("deal", Self.deal(deal))) }
        return members
    }

    /// 2126 frames of `executions`, each with `clientMsgID` (the request that caused them, or `nil` for events).
    static func executionFrames(_ executions: [CTraderExecution], account: Int64, clientMsgID: String?) -> [String] {
        executions.map {
            CTraderEnvelope.frame(
                CTraderPayloadType.executionEvent, Self.execution($0, account: account), clientMsgID: clientMsgID)
        }
    }
}
