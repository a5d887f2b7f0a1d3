import Foundation
import Testing
import VenueSimulator

/// The Magnr face's trading: validation, funds, the trade object and the pending → open → closed → settled
/// lifecycle, over curl. States are awaited, never timed.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MagnrTradingTests {
    static let validationCases: [(body: String, message: String)] = [
        (magnrTrade(side: "BUY"), "side must be buy or sell (case sensitive)"),
        (#"{"size":1,"exchange":"LOCAL","pair":"BTCUSD"}"#, "side must be buy or sell (case sensitive)"),
        (magnrTrade(size: "0"), "size must be a positive number"),
        (magnrTrade(size: "-1"), "size must be a positive number"),
        (magnrTrade(size: #""0.2""#), "size must be a positive number"),
        (magnrTrade(exchange: "Kraken"), "exchange must be one of Bitstamp, ItBit, Bitfinex, LOCAL"),
        (magnrTrade(exchange: "bitstamp"), "exchange must be one of Bitstamp, ItBit, Bitfinex, LOCAL"),
        (magnrTrade(exchange: "Bitstamp", pair: "XBTUSD"), "pair must be one of the pairs Bitstamp offers: BTCUSD"),
        (magnrTrade(exchange: "ItBit", pair: "BTCUSD"), "pair must be one of the pairs ItBit offers: XBTUSD"),
        (magnrTrade(pair: "ETHUSD"), "pair must be one of the pairs Bitfinex offers: BTCUSD, XBTUSD"),
        (magnrTrade(leverage: 3), "leverage must be 10, 5 or 2"),
        (magnrTrade(extra: #","leverage":"10""#), "leverage must be 10, 5 or 2"),
        (magnrTrade(extra: #","type":"limit""#), "type must be market (the only type supported)"),
        (magnrTrade(extra: #","stop_margin":0"#), "stop_margin must be a positive number"),
        (magnrTrade(extra: #","take":-5"#), "take must be a positive number"),
        ("not json", "Request body must be a JSON object"),
        ("[1,2]", "Request body must be a JSON object"),
        ("", "Request body must be a JSON object"),
    ]

    @Test func eachValidationProblemIs400WithItsMessage() async throws {
        try await withSimulator { sim in
            for (body, message) in Self.validationCases {
                let result = try await sim.magnrCall("POST", "/api/v1/trades/", json: body)
                #expect(result.status == 400, "\(body): \(result.text)")
                #expect(magnrErrors(result) == [message], "\(body)")
            }
            #expect(try await sim.magnrOrders().isEmpty)
        }
    }

    @Test func everyProblemGetsItsOwnMessageAndValidBodiesPass() async throws {
        try await withSimulator { sim in
            let everything = #"{"side":"Sell","size":"1","exchange":"Kraken","pair":"ETHUSD","leverage":3,"#
                + #""type":"limit","stop_margin":-1,"take":0}"#
            let result = try await sim.magnrCall("POST", "/api/v1/trades/", json: everything)
            #expect(result.status == 400)
            #expect(
                magnrErrors(result) == [
                    "side must be buy or sell (case sensitive)", "size must be a positive number",
                    "exchange must be one of Bitstamp, ItBit, Bitfinex, LOCAL", "pair must be one of BTCUSD, XBTUSD",
                    "leverage must be 10, 5 or 2", "type must be market (the only type supported)",
                    "stop_margin must be a positive number", "take must be a positive number",
                ])
            // Every documented exchange and pair, every leverage, explicit nulls for optional members, the seed's
            // body with its spaces, and unknown members.
            let valid = [
                magnrTrade(exchange: "Bitstamp", pair: "BTCUSD", leverage: 2),
                magnrTrade(side: "sell", exchange: "ItBit", pair: "XBTUSD", leverage: 5),
                magnrTrade(exchange: "Bitfinex", pair: "XBTUSD", leverage: 10),
                magnrTrade(exchange: "LOCAL", pair: "BTCUSD", extra: #","type":"market","take":10,"stop_margin":5"#),
                magnrTrade(exchange: "LOCAL", pair: "XBTUSD", extra: #","leverage":null,"take":null,"note":"x""#),
                #"{"leverage":10, "side":"buy", "exchange":"Bitfinex", "pair":"BTCUSD", "stop_margin":5, "size":0.2, "#
                    + #""take":10}"#,
            ]
            var ids: [Int] = []
            for body in valid {
                ids.append(try await sim.createTrade(body))
            }
            #expect(ids == Array(1_001...1_006), "ids start at 1001 and count up")
            #expect(try await sim.magnrOrders().count == valid.count)
            let defaulted = try await sim.trade(1_005)
            #expect(defaulted["leverage"] as? Int == 10, "leverage defaults to 10")
            #expect(defaulted["sell_limit"] is NSNull)
        }
    }

    @Test func aDepositAboveTheAvailableBalanceIs409() async throws {
        try await withSimulator { sim in
            // 10 BTC: 9.9 reserved by a deposit of 99 / 10, leaving 0.1.
            _ = try await sim.createTrade(magnrTrade(size: "99", leverage: 10))
            let tooMuch = try await sim.magnrCall("POST", "/api/v1/trades/", json: magnrTrade(size: "0.4", leverage: 2))
            #expect(tooMuch.status == 409)
            #expect(magnrErrors(tooMuch) == ["Insufficient funds for the deposit"])
            let exact = try await sim.createTrade(magnrTrade(side: "sell", size: "1", leverage: 10))
            #expect(exact == 1_002, "a deposit of exactly the available 0.1 BTC is taken")
            let none = try await sim.magnrCall("POST", "/api/v1/trades/", json: magnrTrade(size: "0.00000001"))
            #expect(none.status == 409)
            #expect(try await sim.magnrOrders().count == 2)
            #expect(try sim.magnrVenue.balance() == 10, "deposits are reserved, not deducted")
        }
    }

    @Test func tradesGoPendingOpenClosedSettledAndMoveTheBalance() async throws {
        try await withSimulator(configure: {
            $0.magnr.fillDelay = .seconds(4)
            $0.magnr.settleDelay = .seconds(4)
        }) { sim in
            let venue = try sim.magnrVenue
            let long = try await sim.createTrade(magnrTrade(side: "buy", size: "1", exchange: "Bitstamp", leverage: 2))
            let short = try await sim.createTrade(
                magnrTrade(side: "sell", size: "0.5", exchange: "ItBit", pair: "XBTUSD", extra: #","take":25"#))

            let pending = try await sim.trade(long)
            #expect(pending["status"] as? String == "pending")
            for key in ["open_price", "close_price", "closed_at", "closed_reason", "profit", "stop_margin"] {
                #expect(pending[key] is NSNull, "\(key) is null while pending")
            }
            #expect(tradeDecimal(pending, "deposit") == Decimal(string: "0.5"))
            #expect(tradeDecimal(pending, "trade_fees") == Decimal(string: "0.0048"), "1 × 0.48 / 100")
            #expect(tradeDecimal(pending, "trade_rate") == Decimal(string: "0.48"))
            #expect(tradeDecimal(pending, "daily_rate") == Decimal(string: "0.2"))
            #expect(tradeDecimal(pending, "daily_fees") == 0 && pending["trail_margin"] is NSNull)
            let now = Int(Date().timeIntervalSince1970)
            #expect(((now - 60)...(now + 1)).contains(pending["created_at"] as? Int ?? 0), "epoch seconds")
            #expect(try await sim.magnrStatus()["openTrades"] == 2)

            let opened = try await magnrEventually {
                let first = try await sim.trade(long)["status"] as? String
                let second = try await sim.trade(short)["status"] as? String
                return first == "open" && second == "open"
            }
            try #require(opened)
            let openLong = try await sim.trade(long)
            let openShort = try await sim.trade(short)
            let longOpen = try #require(tradeDecimal(openLong, "open_price"))
            let shortOpen = try #require(tradeDecimal(openShort, "open_price"))
            #expect(longOpen > 30_000 && longOpen < 120_000 && shortOpen > 30_000 && shortOpen < 120_000)
            #expect(tradeDecimal(openLong, "stop_margin") == (Decimal(string: "0.5")! * longOpen).rounded(2))
            #expect(tradeDecimal(openShort, "sell_limit") == 25)

            let liquidated = try await sim.magnrCall("DELETE", "/api/v1/trades/\(long)/")
            #expect(liquidated.status == 200 && liquidated.text == #"{"id":\#(long)}"#)
            #expect(try await sim.magnrCall("DELETE", "/api/v1/trades/\(short)/").status == 200)
            let closed = try await sim.trade(long)
            #expect(closed["status"] as? String == "closed")
            #expect(closed["closed_reason"] as? String == "user" && (closed["closed_at"] as? Int) != nil)
            #expect(tradeDecimal(closed, "close_price") != nil && closed["profit"] is NSNull)
            #expect(venue.balance() == 10, "nothing is booked before settlement")

            let settled = try await magnrEventually {
                let first = try await sim.trade(long)["status"] as? String
                let second = try await sim.trade(short)["status"] as? String
                return first == "settled" && second == "settled"
            }
            try #require(settled)
            var expectedBalance: Decimal = 10
            for (id, sign, size) in [(long, Decimal(1), Decimal(1)), (short, Decimal(-1), Decimal(string: "0.5")!)] {
                let trade = try await sim.trade(id)
                let open = try #require(tradeDecimal(trade, "open_price"))
                let close = try #require(tradeDecimal(trade, "close_price"))
                let profit = try #require(tradeDecimal(trade, "profit"))
                let fees = try #require(tradeDecimal(trade, "trade_fees"))
                let expected = (sign * size * (close - open) / close - fees).rounded(8)
                #expect(profit == expected, "trade \(id): \(profit) ≠ \(expected)")
                expectedBalance += profit
            }
            #expect(venue.balance() == expectedBalance)
            #expect(venue.balance() != 10, "the fees alone move the balance")
            let orders = try await sim.magnrOrders()
            #expect(orders.map { $0["status"] as? String } == ["settled", "settled"])
            #expect(try await sim.magnrStatus()["openTrades"] == 0)
        }
    }

    @Test func liquidatingAPendingTradeIs409UntilItIsOpen() async throws {
        try await withSimulator(configure: { $0.magnr.fillDelay = .seconds(4) }) { sim in
            let id = try await sim.createTrade(magnrTrade())
            let early = try await sim.magnrCall("DELETE", "/api/v1/trades/\(id)/")
            #expect(early.status == 409)
            #expect(magnrErrors(early) == ["Trade is pending and cannot be liquidated yet"])
            let accepted = try await magnrEventually {
                let attempt = try await sim.magnrCall("DELETE", "/api/v1/trades/\(id)/")
                if attempt.status == 409 { return false }
                #expect(attempt.status == 200 && attempt.text == #"{"id":\#(id)}"#)
                return true
            }
            #expect(accepted)
            let again = try await sim.magnrCall("DELETE", "/api/v1/trades/\(id)/")
            #expect(again.status == 409 && magnrErrors(again) == ["Trade is not open"])
            let settledAgain = try await magnrEventually {
                try await sim.trade(id)["status"] as? String == "settled"
            }
            #expect(settledAgain)
            let afterSettlement = try await sim.magnrCall("DELETE", "/api/v1/trades/\(id)/")
            #expect(afterSettlement.status == 409 && magnrErrors(afterSettlement) == ["Trade is not open"])
        }
    }

    @Test func unknownAndNonNumericTradeIDs() async throws {
        try await withSimulator { sim in
            for method in ["GET", "DELETE"] {
                let unknown = try await sim.magnrCall(method, "/api/v1/trades/4242/")
                #expect(unknown.status == 404 && magnrErrors(unknown) == ["Trade not found"], "\(method)")
                let huge = try await sim.magnrCall(method, "/api/v1/trades/99999999999999999999/")
                #expect(huge.status == 404, "\(method)")
                for id in ["abc", "-1", "1e3"] {
                    let result = try await sim.magnrCall(method, "/api/v1/trades/\(id)/")
                    #expect(result.status == 400, "\(method) \(id)")
                    #expect(magnrErrors(result) == ["Trade id must be an integer"], "\(method) \(id)")
                }
            }
        }
    }

    @Test func listAndGetShowEveryTradeWithPlainNumbers() async throws {
        try await withSimulator { sim in
            let first = try await sim.createTrade(magnrTrade(size: "0.001", exchange: "LOCAL"))
            let second = try await sim.createTrade(magnrTrade(side: "sell", size: "0.3", leverage: 5))
            let result = try await sim.magnrCall("GET", "/api/v1/trades/")
            #expect(result.status == 200 && result.headers["content-type"] == "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
            let trades = try #require(object["trades"] as? [[String: Any]])
            #expect(trades.map { $0["id"] as? Int } == [first, second], "newest last")
            #expect(trades.allSatisfy { Set($0.keys) == MagnrDefaults.tradeKeys })
            #expect(result.text.contains(#""size":0.001,"deposit":0.0001,"#), "\(result.text)")
            #expect(result.text.contains(#""trade_fees":0.0000048,"#), "never in exponent form: \(result.text)")
            #expect(result.text.contains(#""deposit":0.06,"#))
            let one = try await sim.magnrCall("GET", "/api/v1/trades/\(second)/")
            #expect(one.text.hasPrefix(#"{"trade":{"id":\#(second),"side":"sell","leverage":5,"size":0.3,"#))
            #expect(result.text.firstMatch(of: /[0-9][eE][+-]?[0-9]/) == nil, "no exponents")
        }
    }
}

extension Decimal {
    /// Rounded half away from zero to `scale` decimals (as the simulator rounds).
    func rounded(_ scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }
}
