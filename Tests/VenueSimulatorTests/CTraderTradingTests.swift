import Foundation
import Testing
import VenueSimulator

/// The cTrader face's orders, positions and closes.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CTraderTradingTests {
    @Test func aMarketOrderIsAcceptedFilledReconciledAndClosed() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let (id, frames) = try await client.marketOrder(
                side: 1,
                extra: [
                    "clientOrderId": "tw-1", "label": "L1", "comment": "ref-42", "relativeStopLoss": 50_000,
                    "relativeTakeProfit": 40_000,
                ])
            #expect(frames.map(ctraderExecution) == [2, 3], "ORDER_ACCEPTED then ORDER_FILLED: \(frames)")
            #expect(frames.allSatisfy { $0["clientMsgId"] as? String == id })
            let accepted = ctraderPayload(frames[0])
            #expect((accepted["position"] as? [String: Any])?["positionStatus"] as? Int == 3)
            #expect((accepted["order"] as? [String: Any])?["orderStatus"] as? Int == 1)
            let filled = ctraderPayload(frames[1])
            #expect(filled["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            let order = try #require(filled["order"] as? [String: Any])
            let position = try #require(filled["position"] as? [String: Any])
            let deal = try #require(filled["deal"] as? [String: Any])
            let positionID = try #require(position["positionId"] as? Int)
            #expect(positionID >= 1_000_001 && positionID < 5_000_001)
            #expect((order["orderId"] as? Int ?? 0) >= 5_000_001 && (deal["dealId"] as? Int ?? 0) >= 9_000_001)
            #expect(order["orderStatus"] as? Int == 2 && order["orderType"] as? Int == 1)
            #expect(order["clientOrderId"] as? String == "tw-1" && order["positionId"] as? Int == positionID)
            #expect(order["executedVolume"] as? Int == CTraderDefaults.microLot)
            let price = try #require(decimal(order["executionPrice"]))
            #expect(position["positionStatus"] as? Int == 1 && decimal(position["price"]) == price)
            #expect(position["swap"] as? Int == 0 && position["moneyDigits"] as? Int == 2)
            let tradeData = try #require(position["tradeData"] as? [String: Any])
            #expect(tradeData["label"] as? String == "L1" && tradeData["comment"] as? String == "ref-42")
            #expect(tradeData["volume"] as? Int == CTraderDefaults.microLot && tradeData["tradeSide"] as? Int == 1)
            #expect(decimal(position["stopLoss"]) == price - Decimal(string: "0.5")!)
            #expect(decimal(position["takeProfit"]) == price + Decimal(string: "0.4")!)
            #expect(deal["dealStatus"] as? Int == 2 && deal["positionId"] as? Int == positionID)
            #expect(
                deal["filledVolume"] as? Int == CTraderDefaults.microLot && decimal(deal["executionPrice"]) == price)

            let reconcile = ctraderPayload(try await client.accountCall(2124))
            let open = try #require(reconcile["position"] as? [[String: Any]])
            #expect(open.compactMap { $0["positionId"] as? Int } == [positionID])
            #expect((reconcile["order"] as? [Any])?.isEmpty == true)

            let closeID = try await client.send(
                2111,
                [
                    "ctidTraderAccountId": CTraderDefaults.account, "positionId": positionID,
                    "volume": CTraderDefaults.microLot,
                ])
            _ = try await client.first { $0["clientMsgId"] as? String == closeID && ctraderIsFinal($0) }
            let closing = client.messages(for: closeID)
            #expect(closing.map(ctraderExecution) == [2, 3])
            let closed = ctraderPayload(try #require(closing.last))
            #expect((closed["order"] as? [String: Any])?["closingOrder"] as? Bool == true)
            #expect((closed["position"] as? [String: Any])?["positionStatus"] as? Int == 2)
            let detail = try #require((closed["deal"] as? [String: Any])?["closePositionDetail"] as? [String: Any])
            #expect(
                decimal(detail["entryPrice"]) == price && detail["closedVolume"] as? Int == CTraderDefaults.microLot)
            #expect(
                detail["moneyDigits"] as? Int == 2 && detail["swap"] as? Int == 0 && detail["commission"] as? Int == 0)
            let gross = try #require(detail["grossProfit"] as? Int)
            #expect(detail["balance"] as? Int == 1_000_000 + gross)
            let trader = ctraderPayload(try await client.accountCall(2121))["trader"] as? [String: Any]
            #expect(trader?["balance"] as? Int == 1_000_000 + gross, "the profit moved the balance")
            #expect(gross < 0, "a round trip at once loses the spread: \(gross)")
            #expect((ctraderPayload(try await client.accountCall(2124))["position"] as? [Any])?.isEmpty == true)
            #expect(
                ctraderError(try await client.accountCall(2111, ["positionId": positionID, "volume": 100_000]))
                    == "POSITION_NOT_FOUND")
        }
    }

    @Test func aPartialCloseLeavesTheRestOpen() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let (_, frames) = try await client.marketOrder(side: 2, volume: 3 * CTraderDefaults.microLot)
            let positionID = try #require(ctraderPositionID(frames.last))
            let tooMuch = try await client.accountCall(
                2111, ["positionId": positionID, "volume": 4 * CTraderDefaults.microLot])
            #expect(ctraderType(tooMuch) == 2132 && ctraderError(tooMuch) == "TRADING_BAD_VOLUME")
            #expect(ctraderPayload(tooMuch)["positionId"] as? Int == positionID)
            let offStep = try await client.accountCall(2111, ["positionId": positionID, "volume": 150_000])
            #expect(ctraderError(offStep) == "TRADING_BAD_VOLUME")
            let closeID = try await client.send(
                2111,
                [
                    "ctidTraderAccountId": CTraderDefaults.account, "positionId": positionID,
                    "volume": CTraderDefaults.microLot,
                ])
            let filled = try #require(
                try await client.first { $0["clientMsgId"] as? String == closeID && ctraderExecution($0) == 3 })
            let rest = try #require(ctraderPayload(filled)["position"] as? [String: Any])
            #expect(rest["positionStatus"] as? Int == 1)
            #expect((rest["tradeData"] as? [String: Any])?["volume"] as? Int == 2 * CTraderDefaults.microLot)
            let detail = (ctraderPayload(filled)["deal"] as? [String: Any])?["closePositionDetail"] as? [String: Any]
            #expect(detail?["closedVolume"] as? Int == CTraderDefaults.microLot)
            let open = ctraderPayload(try await client.accountCall(2124))["position"] as? [[String: Any]]
            #expect((open?.first?["tradeData"] as? [String: Any])?["volume"] as? Int == 2 * CTraderDefaults.microLot)
            let orders = try await sim.ctraderOrders()
            #expect(
                orders.count == 1 && orders[0]["status"] as? String == "open"
                    && orders[0]["amount"] as? String == "3000")
            let lastID = try await client.send(
                2111,
                [
                    "ctidTraderAccountId": CTraderDefaults.account, "positionId": positionID,
                    "volume": 2 * CTraderDefaults.microLot,
                ])
            let last = try #require(
                try await client.first { $0["clientMsgId"] as? String == lastID && ctraderExecution($0) == 3 })
            #expect((ctraderPayload(last)["position"] as? [String: Any])?["positionStatus"] as? Int == 2)
            let record = try #require(try await sim.ctraderOrders().first)
            #expect(
                record["status"] as? String == "closed" && record["op"] as? String == "sell"
                    && record["profit"] is String)
        }
    }

    @Test func aLimitOrderWaitsAndIsCancelled() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let accepted = try await client.accountCall(
                2106,
                [
                    "symbolId": 1, "orderType": "LIMIT", "tradeSide": "BUY", "volume": CTraderDefaults.microLot,
                    "limitPrice": 0.5, "stopLoss": 0.4, "takeProfit": 0.6, "comment": "pending-1",
                ])
            #expect(ctraderExecution(accepted) == 2 && accepted["clientMsgId"] is String)
            let order = try #require(ctraderPayload(accepted)["order"] as? [String: Any])
            #expect(order["orderStatus"] as? Int == 1 && order["orderType"] as? Int == 2)
            #expect(
                decimal(order["limitPrice"]) == Decimal(string: "0.5")
                    && decimal(order["stopLoss"]) == Decimal(string: "0.4"))
            #expect(order["timeInForce"] as? Int == 2)
            let orderID = try #require(order["orderId"] as? Int)
            let pending = ctraderPayload(try await client.accountCall(2124))["order"] as? [[String: Any]]
            #expect(pending?.compactMap { $0["orderId"] as? Int } == [orderID])
            let wrongStops = try await client.accountCall(
                2106,
                [
                    "symbolId": 1, "orderType": 2, "tradeSide": 1, "volume": CTraderDefaults.microLot,
                    "limitPrice": 0.5,
                    "stopLoss": 0.6,
                ])
            #expect(ctraderError(wrongStops) == "TRADING_BAD_STOPS")
            let noPrice = try await client.accountCall(
                2106, ["symbolId": 1, "orderType": 3, "tradeSide": 1, "volume": 100_000])
            #expect(ctraderType(noPrice) == 2142 && ctraderError(noPrice) == "INVALID_REQUEST")

            let cancelled = try await client.accountCall(2108, ["orderId": orderID])
            #expect(ctraderExecution(cancelled) == 5)
            #expect((ctraderPayload(cancelled)["order"] as? [String: Any])?["orderStatus"] as? Int == 5)
            #expect(ctraderError(try await client.accountCall(2108, ["orderId": orderID])) == "ORDER_NOT_FOUND")
            #expect(ctraderError(try await client.accountCall(2108, ["orderId": 1])) == "ORDER_NOT_FOUND")
            let records = try await sim.ctraderOrders()
            #expect(records.count == 1 && records[0]["status"] as? String == "cancelled")
            #expect(records[0]["ticket"] as? Int == orderID && records[0]["reference"] as? String == "pending-1")
        }
    }

    @Test func pendingOrdersFillAndStopsCloseAsEvents() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let ask = try #require(try sim.ctraderVenue.currentQuote(symbol: "EURUSD")?.ask)
            let limit = try await client.accountCall(
                2106,
                [
                    "symbolId": 1, "orderType": 2, "tradeSide": 1, "volume": CTraderDefaults.microLot,
                    "limitPrice": NSDecimalNumber(decimal: ask + Decimal(string: "0.01")!).doubleValue,
                ])
            let orderID = try #require((ctraderPayload(limit)["order"] as? [String: Any])?["orderId"] as? Int)
            let fill = try #require(
                try await client.first {
                    ctraderExecution($0) == 3
                        && (ctraderPayload($0)["order"] as? [String: Any])?["orderId"] as? Int == orderID
                }, "the crossed limit fills")
            #expect(fill["clientMsgId"] == nil, "an event, not an answer")
            #expect((ctraderPayload(fill)["position"] as? [String: Any])?["positionStatus"] as? Int == 1)

            let (_, frames) = try await client.marketOrder(side: 1, extra: ["relativeStopLoss": 1])
            let positionID = try #require(ctraderPositionID(frames.last))
            let stopped = try #require(
                try await client.first {
                    ctraderExecution($0) == 3 && $0["clientMsgId"] == nil
                        && (ctraderPayload($0)["position"] as? [String: Any])?["positionId"] as? Int == positionID
                }, "the stop loss inside the spread closes the position")
            let closed = try #require(ctraderPayload(stopped)["position"] as? [String: Any])
            #expect(closed["positionStatus"] as? Int == 2)
            #expect((ctraderPayload(stopped)["order"] as? [String: Any])?["closingOrder"] as? Bool == true)
            #expect((ctraderPayload(stopped)["deal"] as? [String: Any])?["closePositionDetail"] is [String: Any])
        }
    }

    @Test func usdJPYProfitIsConvertedAtTheClosingPrice() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let (_, frames) = try await client.marketOrder(side: 1, symbol: CTraderDefaults.usdjpy, volume: 1_000_000)
            let filled = ctraderPayload(try #require(frames.last))
            let positionID = try #require((filled["position"] as? [String: Any])?["positionId"] as? Int)
            let entry = try #require(decimal((filled["order"] as? [String: Any])?["executionPrice"]))
            let closeID = try await client.send(
                2111, ["ctidTraderAccountId": CTraderDefaults.account, "positionId": positionID, "volume": 1_000_000])
            let closed = try #require(
                try await client.first { $0["clientMsgId"] as? String == closeID && ctraderExecution($0) == 3 })
            let deal = try #require(ctraderPayload(closed)["deal"] as? [String: Any])
            let exit = try #require(decimal(deal["executionPrice"]))
            let gross = try #require((deal["closePositionDetail"] as? [String: Any])?["grossProfit"] as? Int)
            var exact = (exit - entry) * 10_000 / exit * 100
            var rounded = Decimal()
            NSDecimalRound(&rounded, &exact, 0, .plain)
            #expect(Decimal(gross) == rounded, "10000 USD × (exit − entry) JPY ÷ exit, in cents")
        }
    }

    @Test func refusedOrdersAreNotExecuted() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let badVolume = try await client.marketOrder(volume: 123)
            #expect(badVolume.frames.map(ctraderError) == ["TRADING_BAD_VOLUME"])
            #expect(
                badVolume.frames.allSatisfy { ctraderType($0) == 2132 && $0["clientMsgId"] as? String == badVolume.id })
            #expect(ctraderPayload(badVolume.frames[0])["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            #expect(
                try await client.marketOrder(volume: 20_000_000_000).frames.map(ctraderError) == ["TRADING_BAD_VOLUME"])
            #expect(try await client.marketOrder(symbol: 99).frames.map(ctraderError) == ["SYMBOL_NOT_FOUND"])
            let rich = try await client.marketOrder(symbol: CTraderDefaults.btcusd, volume: 1_000_000)
            #expect(rich.frames.map(ctraderError) == ["NOT_ENOUGH_MONEY"])
            #expect(
                try await client.marketOrder(extra: ["stopLoss": 1.0]).frames.map(ctraderError) == ["TRADING_BAD_STOPS"]
            )
            #expect(
                try await client.marketOrder(extra: ["relativeStopLoss": 0]).frames.map(ctraderError) == [
                    "TRADING_BAD_STOPS"
                ])
            let stopLimit = try await client.accountCall(
                2106, ["symbolId": 1, "orderType": 6, "tradeSide": 1, "volume": 100_000])
            #expect(ctraderType(stopLimit) == 2142 && ctraderError(stopLimit) == "INVALID_REQUEST")
            let missing = try await client.accountCall(2111, ["positionId": 1_000_999, "volume": 100_000])
            #expect(ctraderType(missing) == 2142 && ctraderError(missing) == "POSITION_NOT_FOUND")
            #expect(try await sim.ctraderOrders().isEmpty)
            #expect(try sim.ctraderVenue.balance() == 10_000)
            let names = try await client.marketOrder(extra: ["orderType": "MARKET", "tradeSide": "SELL"])
            #expect(names.frames.map(ctraderExecution) == [2, 3], "enum names are accepted")
        }
    }
}
