import Foundation
import Testing
import VenueSimulator

/// CPlugin's v2 REST face: the envelope, trading, the read endpoints and idempotency, over curl.
/// Serialized: each test starts a simulator and runs many curl processes; run all at once on a small machine they
/// starve the timing-sensitive MT4Server ticker tests.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CPluginRESTTests {
    @Test func successEnvelopeHasDataNullErrorAndATraceID() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let time = try await sim.envelope(token, "GET", "/ServerTime")
            #expect(time.error == nil)
            #expect(time.text.contains(#""error":null"#), "error is always serialised")
            let text = try #require(time.data as? String)
            #expect(text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil, "\(text)")
            let again = try await sim.envelope(token, "GET", "/servertime")
            #expect(again.activityID != time.activityID, "a fresh activity id per response")
        }
    }

    @Test func everyErrorPathAnswersHTTP200WithTheErrorEnvelope() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let otherPlatform = sim.cplugin + "/api/v2/MT4/00000000-0000-0000-0000-0000000000ff"
            typealias Case = (
                method: String, path: String, json: String?, base: String?, code: String, manager: String?
            )
            let cases: [Case] = [
                ("GET", "/TradesGet", nil, otherPlatform, "NotFound", nil),
                ("POST", "/TradeTransaction", openMarket("Buy", "EURUSD", volume: 10), otherPlatform, "NotFound", nil),
                ("POST", "/TradeTransaction", openMarket("Buy", "DOGEUSD", volume: 10), nil, "MT4Error",
                 "InvalidData"),
                ("POST", "/TradeTransaction", openMarket("Buy", "EURUSD", volume: 0), nil, "MT4Error",
                 "TradeBadVolume"),
                ("POST", "/TradeTransaction", openMarket("Sell", "EURUSD", volume: 10_001), nil, "MT4Error",
                 "TradeBadVolume"),
                ("POST", "/TradeTransaction", openMarket("Buy", "EURUSD", volume: 10_000), nil, "MT4Error",
                 "TradeNoMoney"),
                ("POST", "/TradeTransaction", openMarket("Buy", "EURUSD", volume: 10, orderBy: 7), nil, "MT4Error",
                 "BadAccountInfo"),
                ("POST", "/TradeTransaction", openMarket("BuyLimit", "EURUSD", volume: 10), nil, "Validation", nil),
                ("POST", "/TradeTransaction", #"{"tradeTransactionType":"DeletePending","order":50000001}"#, nil,
                 "MT4Error", "InvalidData"),
                ("POST", "/TradeTransaction", #"{"tradeTransactionType":"BalanceAdd","orderBy":1001}"#, nil,
                 "Validation", nil),
                ("POST", "/TradeTransaction", closeMarket("Sell", order: 42, volume: 10), nil, "MT4Error",
                 "InvalidData"),
                ("POST", "/TradeTransaction", "{not json", nil, "Validation", nil),
                ("POST", "/TradeTransaction", #"{"tradeTransactionType":"OpenMarket","volume":1.5}"#, nil, "Validation",
                 nil),
                ("GET", "/TradeRecordGet/12345", nil, nil, "NotFound", nil),
                ("GET", "/TickInfoLast/DOGEUSD", nil, nil, "NotFound", nil),
                ("GET", "/UserRecordGet/1002", nil, nil, "NotFound", nil),
                ("GET", "/MarginLevelGet/1002", nil, nil, "NotFound", nil),
                ("GET", "/MarginLevelGet/abc", nil, nil, "Validation", nil),
            ]
            for item in cases {
                let envelope = try await sim.envelope(token, item.method, item.path, json: item.json, base: item.base)
                #expect(envelope.errorCode == item.code, "\(item.path) \(item.json ?? "")")
                #expect(envelope.managerCode == item.manager, "\(item.path) \(item.json ?? "")")
                #expect(!(envelope.message ?? "").isEmpty)
            }
            let unreadable = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: #"{"tradeTransactionType":"OpenMarket","volume":"ten"}"#)
            #expect(unreadable.message?.contains("$.volume") == true, "\(unreadable.message ?? "")")
            #expect(try await sim.cpluginOrders().isEmpty, "no error path trades")
        }
    }

    @Test func infrastructureFailuresAreNotEnvelopes() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let unknown = try await sim.apiCall(token, "GET", "/NoSuchCall")
            #expect(unknown.status == 404 && unknown.body.isEmpty)
            let method = try await sim.apiCall(token, "DELETE", "/TradesGet")
            #expect(method.status == 405 && method.headers["allow"] == "GET")
            let contentType = try await Curl.run([
                "-X", "POST", sim.api + "/TradeTransaction", "-H", "Authorization: Bearer \(token)", "-H",
                "Content-Type: text/plain", "--data-raw", openMarket("Buy", "EURUSD", volume: 1),
            ])
            #expect(contentType.status == 415)
            try await sim.adminPost("/cplugin/faults", json: #"{"errorRate":1,"errorStatus":503}"#)
            let injected = try await sim.apiCall(
                token, "POST", "/TradeTransaction", json: openMarket("Buy", "EURUSD", volume: 10))
            #expect(injected.status == 503)
            #expect(injected.body.isEmpty, "an injected failure is not an envelope")
            #expect(try await sim.cpluginOrders().isEmpty)
        }
    }

    @Test func openListAndCloseMoveTheBalanceByTheRealisedProfit() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let quote = try #require(sim.simulator.cplugin?.currentQuote(symbol: "BTCUSD"))
            #expect(quote.bid < quote.ask)
            let opened = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: openMarket("Buy", "BTCUSD", volume: 50, comment: "paper"))
            let echo = try #require(opened.dataObject)
            #expect(Set(echo.keys) == CPluginSchema.transaction)
            let ticket = try #require(echo["order"] as? Int)
            #expect(ticket >= 50_000_001)
            #expect(echo["tradeTransactionType"] as? String == "OpenMarket")
            #expect(echo["comment"] as? String == "paper")
            let fill = try #require(decimal(echo["price"]))
            #expect(fill > 1_000 && fill.description.split(separator: ".").dropFirst().first.map(\.count) ?? 0 <= 2)

            let all = try await sim.envelope(token, "GET", "/TradesGet")
            let trades = try #require(all.dataArray)
            try #require(trades.count == 1)
            let trade = trades[0]
            #expect(Set(trade.keys) == CPluginSchema.trade)
            #expect(trade["order"] as? Int == ticket)
            #expect(trade["login"] as? Int == 1_001)
            #expect(trade["tradeCommand"] as? String == "Buy")
            #expect(trade["volume"] as? Int == 50)
            #expect(decimal(trade["volumeLots"]) == Decimal(string: "0.5"))
            #expect(trade["tradeRecordState"] as? String == "OpenNormal")
            #expect(trade["closeTime"] as? String == "1970-01-01T00:00:00Z")
            #expect(trade["comment"] as? String == "paper")
            #expect(decimal(trade["openPrice"]) == fill)
            let current = try #require(decimal(trade["closePrice"]))
            #expect(decimal(trade["profit"]) == ((current - fill) * Decimal(string: "0.5")!).rounded2, "floating")
            let byLogin = try await sim.envelope(token, "GET", "/TradesGetByLogin/1001/demo")
            #expect(byLogin.dataArray?.map { $0["order"] as? Int } == [ticket])
            let otherGroup = try await sim.envelope(token, "GET", "/TradesGetByLogin/1001/real")
            #expect(otherGroup.dataArray?.isEmpty == true)
            let margin = try #require(try await sim.envelope(token, "GET", "/MarginLevelGet/1001").dataObject)
            #expect(Set(margin.keys) == CPluginSchema.marginLevel)
            #expect(decimal(margin["margin"]) == (fill * Decimal(string: "0.5")! / 100).rounded2)
            #expect(margin["volume"] as? Int == 50)
            #expect(margin["controllingType"] as? String == "Percent")
            #expect(margin["levelType"] as? String == "Ok")

            let closed = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: closeMarket("Sell", order: ticket, volume: 50))
            #expect(closed.error == nil)
            #expect(closed.dataObject?["order"] as? Int == ticket)
            let closePrice = try #require(decimal(closed.dataObject?["price"]))
            let record = try #require(try await sim.envelope(token, "GET", "/TradeRecordGet/\(ticket)").dataObject)
            #expect(record["tradeRecordState"] as? String == "ClosedNormal")
            #expect(decimal(record["closePrice"]) == closePrice)
            #expect(record["closeTime"] as? String != "1970-01-01T00:00:00Z")
            let profit = try #require(decimal(record["profit"]))
            #expect(profit == ((closePrice - fill) * Decimal(string: "0.5")!).rounded2)
            #expect(sim.simulator.cplugin?.balance(login: 1_001) == 10_000 + profit)
            let user = try #require(try await sim.envelope(token, "GET", "/UserRecordGet/1001").dataObject)
            #expect(Set(user.keys) == CPluginSchema.user)
            #expect(decimal(user["balance"]) == 10_000 + profit)
            #expect(user["group"] as? String == "demo" && user["leverage"] as? Int == 100)
            #expect(try await sim.envelope(token, "GET", "/TradesGet").dataArray?.isEmpty == true)
            let again = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: closeMarket("Sell", order: ticket, volume: 50))
            #expect(again.managerCode == "InvalidData", "a closed ticket cannot be closed again")

            let orders = try await sim.cpluginOrders()
            try #require(orders.count == 1)
            #expect(orders[0]["broker"] as? String == "1001")
            #expect(orders[0]["ticket"] as? Int == ticket)
            #expect(orders[0]["pair"] as? String == "BTCUSD")
            #expect(orders[0]["amount"] as? String == "0.5")
            #expect(orders[0]["op"] as? String == "buy")
            #expect(orders[0]["status"] as? String == "closed")
        }
    }

    @Test func closingWithTheSameDirectionOrTooMuchVolumeIsRefusedAndAPartialCloseSplitsTheTicket() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let opened = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: openMarket("Sell", "USDJPY", volume: 30))
            let ticket = try #require(opened.dataObject?["order"] as? Int)
            let sameSide = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: closeMarket("Sell", order: ticket, volume: 30))
            #expect(sameSide.errorCode == "Validation")
            let tooMuch = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: closeMarket("Buy", order: ticket, volume: 31))
            #expect(tooMuch.managerCode == "TradeBadVolume")
            let part = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: closeMarket("Buy", order: ticket, volume: 10))
            #expect(part.error == nil)
            let closedPart = try #require(try await sim.envelope(token, "GET", "/TradeRecordGet/\(ticket)").dataObject)
            #expect(closedPart["tradeRecordState"] as? String == "ClosedPart")
            #expect(closedPart["volume"] as? Int == 10)
            let open = try #require(try await sim.envelope(token, "GET", "/TradesGet").dataArray)
            try #require(open.count == 1)
            #expect(open[0]["volume"] as? Int == 20)
            #expect(open[0]["tradeCommand"] as? String == "Sell")
            #expect(open[0]["comment"] as? String == "from #\(ticket)")
            let profit = try #require(decimal(closedPart["profit"]))
            #expect(sim.simulator.cplugin?.balance(login: 1_001) == 10_000 + profit)
        }
    }

    @Test func tradesGetPagesWithLimitAndCursor() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            var tickets: [Int] = []
            for _ in 0..<3 {
                let opened = try await sim.envelope(
                    token, "POST", "/TradeTransaction", json: openMarket("Buy", "ETHUSD", volume: 1))
                tickets.append(try #require(opened.dataObject?["order"] as? Int))
            }
            let whole = try await sim.envelope(token, "GET", "/TradesGet")
            #expect(whole.dataArray?.map { $0["order"] as? Int } == tickets)
            #expect(whole.paging == nil, "no paging unless asked")
            let first = try await sim.envelope(token, "GET", "/TradesGet?limit=2")
            #expect(first.dataArray?.map { $0["order"] as? Int } == Array(tickets.prefix(2)))
            #expect(first.paging?["hasMore"] as? Bool == true)
            let cursor = try #require(first.paging?["nextCursor"] as? String)
            let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
            let second = try await sim.envelope(token, "GET", "/TradesGet?limit=2&cursor=\(encoded)")
            #expect(second.dataArray?.map { $0["order"] as? Int } == [tickets[2]])
            #expect(second.paging?["hasMore"] as? Bool == false)
            #expect(second.paging?["nextCursor"] is NSNull)
            let invalid = try await sim.envelope(token, "GET", "/TradesGet?limit=0")
            #expect(invalid.errorCode == "Validation")
        }
    }

    @Test func ticksAreQuotedWithBidBelowAsk() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let all = try #require(try await sim.envelope(token, "GET", "/TickInfoLast").dataArray)
            #expect(all.map { $0["symbol"] as? String } == ["EURUSD", "USDJPY", "BTCUSD", "ETHUSD"])
            for tick in all {
                #expect(Set(tick.keys) == CPluginSchema.tick)
                #expect(decimal(tick["bid"]) ?? 0 < decimal(tick["ask"]) ?? 0)
            }
            let one = try #require(try await sim.envelope(token, "GET", "/TickInfoLast/EURUSD").dataObject)
            let bid = try #require(decimal(one["bid"]))
            #expect(bid > 1 && bid < 1.2)
            #expect(bid.description.split(separator: ".").dropFirst().first.map(\.count) ?? 0 <= 5)
        }
    }

    @Test func aRepeatedIdempotencyKeyReplaysTheFirstEnvelopeWithoutTradingAgain() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let body = openMarket("Buy", "ETHUSD", volume: 100)
            let first = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: body, headers: ["Idempotency-Key: order-1"])
            #expect(first.error == nil)
            let second = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: body, headers: ["Idempotency-Key: order-1"])
            #expect(second.text == first.text, "the identical envelope, activity id included")
            #expect(try await sim.cpluginOrders().count == 1)
            #expect(try await sim.cpluginStatus()["idempotentReplays"] == 1)

            let changed = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: openMarket("Buy", "ETHUSD", volume: 200),
                headers: ["Idempotency-Key: order-1"])
            #expect(changed.errorCode == "Validation")
            #expect(changed.message == "Idempotency-Key reused with a different request")
            #expect(try await sim.cpluginOrders().count == 1)

            let noKey = try await sim.envelope(token, "POST", "/TradeTransaction", json: body)
            let noKeyAgain = try await sim.envelope(token, "POST", "/TradeTransaction", json: body)
            #expect(noKey.dataObject?["order"] as? Int != noKeyAgain.dataObject?["order"] as? Int)
            #expect(try await sim.cpluginOrders().count == 3, "without a key every request trades")

            let failed = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: openMarket("Buy", "NOPE", volume: 1),
                headers: ["Idempotency-Key: order-2"])
            let failedAgain = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: openMarket("Buy", "NOPE", volume: 1),
                headers: ["Idempotency-Key: order-2"])
            #expect(failedAgain.text == failed.text, "error envelopes are replayed too")
        }
    }

    @Test func hangOrdersBooksTheTradeButWithholdsTheResponseAndAReplayTellsTheOutcome() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            try await sim.adminPost("/cplugin/faults", json: #"{"hangOrders":true}"#)
            let body = openMarket("Sell", "EURUSD", volume: 20)
            let hung = try await Curl.run(
                ["--max-time", "2"] + [
                    "-X", "POST", sim.api + "/TradeTransaction", "-H", "Authorization: Bearer \(token)", "-H",
                    "Content-Type: application/json", "-H", "Idempotency-Key: hang-1", "--data-raw", body,
                ])
            #expect(hung.exitCode == 28, "curl should time out, got exit \(hung.exitCode)")
            #expect(hung.status == nil)
            let orders = try await sim.cpluginOrders()
            try #require(orders.count == 1)
            #expect(orders[0]["responseWithheld"] as? Bool == true)
            #expect(orders[0]["status"] as? String == "open")
            #expect(
                try await eventually { try await sim.cpluginStatus()["withheldResponses"] == 0 },
                "released when curl left")
            let replay = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: body, headers: ["Idempotency-Key: hang-1"])
            #expect(replay.dataObject?["order"] as? Int == orders[0]["ticket"] as? Int)
            #expect(try await sim.cpluginOrders().count == 1)
            let error = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: openMarket("Sell", "EURUSD", volume: 0))
            #expect(error.managerCode == "TradeBadVolume", "errors are answered even with hangOrders")
        }
    }

    @Test func resetClearsTradesBalanceAndIdempotencyButKeepsTokens() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let body = openMarket("Buy", "EURUSD", volume: 10)
            let opened = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: body, headers: ["Idempotency-Key: r"])
            let ticket = try #require(opened.dataObject?["order"] as? Int)
            _ = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: closeMarket("Sell", order: ticket, volume: 10))
            #expect(try await sim.adminPost("/cplugin/reset").status == 200)
            #expect(try await sim.cpluginOrders().isEmpty)
            #expect(sim.simulator.cplugin?.balance(login: 1_001) == 10_000)
            let after = try await sim.envelope(
                token, "POST", "/TradeTransaction", json: body, headers: ["Idempotency-Key: r"])
            #expect((after.dataObject?["order"] as? Int ?? 0) > ticket, "a new trade with a new ticket")
        }
    }
}

extension Decimal {
    /// Rounded half away from zero to cents.
    fileprivate var rounded2: Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, 2, .plain)
        return result
    }
}
