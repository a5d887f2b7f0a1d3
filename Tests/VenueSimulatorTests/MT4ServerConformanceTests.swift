import Foundation
import Testing

/// MT4Server's HTTP face (protocols.md §1.3), checked by replaying the seed's curl examples with the real curl.
@Suite(.timeLimit(.minutes(3)))
struct MT4ServerConformanceTests {
    static let buyBody = "{\n\t\"pair\": \"BTCUSD\",\n\t\"amount\": 0.11,\n\t\"op\": \"buy\"\n}"
    static let sellBody = "{\n\t\"pair\": \"BTCUSD\",\n\t\"amount\": 0.11,\n\t\"op\": \"sell\"\n}"
    static let textPlain = "text/plain; charset=UTF-8"

    @Test func pingAnswersItsAliveAsTextPlain() async throws {
        try await withSimulator { sim in
            let result = try await Curl.run(["-X", "GET", sim.venue + "/", "-H", "Content-Type: application/json"])
            #expect(result.status == 200)
            #expect(result.text == "It's alive!!!")
            #expect(result.headers["content-type"] == Self.textPlain)
        }
    }

    @Test func tokenIsACompactHS512JWTWithoutExpiry() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            #expect(token.split(separator: ".", omittingEmptySubsequences: false).count == 3)
            let header = try #require(jwtSegment(token, 0))
            #expect(header["alg"] as? String == "HS512")
            let claims = try #require(jwtSegment(token, 1))
            #expect(claims["sub"] as? String == "mt4server-sim")
            #expect(claims["iat"] is NSNumber)
            #expect(claims["jti"] is String)
            #expect(claims["exp"] == nil)
            #expect(!token.contains(apiKey))
        }
    }

    @Test func tokenStripsQuotesAndWhitespaceAndAnswersAWrongKeyWith500() async throws {
        try await withSimulator { sim in
            let quoted = try await Curl.run(["-X", "POST", sim.venue + "/token", "-d", "\"\(apiKey)\"\n"])
            #expect(quoted.status == 200)
            let wrong = try await Curl.run([
                "-X", "POST", sim.venue + "/token", "-H", "Content-Type: text/plain", "-d", "not-the-key",
            ])
            #expect(wrong.status == 500)
            #expect(wrong.text == "There was an internal server error.")
            let empty = try await Curl.run(["-X", "POST", sim.venue + "/token"])
            #expect(empty.status == 500)
        }
    }

    @Test func ordersListIsEmptyThenShowsTheBuyWithGsonFieldOrder() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let empty = try await Curl.run(sim.authorized(token, "GET", "/exchanges/icmarkets/orders"))
            #expect(empty.status == 200)
            #expect(empty.text == "[]")
            #expect(empty.headers["content-type"] == Self.textPlain)

            let placed = try await Curl.run(
                sim.authorized(token, "POST", "/exchanges/icmarkets/orders", json: Self.buyBody))
            let ticket = try #require(Int(placed.text), "ticket: \(placed.text)")
            #expect(ticket > 0)

            let listed = try await Curl.run(sim.authorized(token, "GET", "/exchanges/icmarkets/orders"))
            #expect(listed.headers["content-type"] == Self.textPlain)
            let orders = try #require(try JSONSerialization.jsonObject(with: listed.body) as? [[String: Any]])
            try #require(orders.count == 1)
            let order = orders[0]
            #expect(order["id"] as? Int == ticket)
            #expect(order["orderType"] as? String == "buy")
            #expect(order["symbol"] as? String == "BTCUSD")
            #expect((order["size"] as? NSNumber)?.doubleValue == 0.11)
            #expect((order["sl"] as? NSNumber)?.doubleValue == 0)
            #expect((order["price"] as? NSNumber)?.doubleValue ?? 0 > 1_000)
            let date = try #require((order["date"] as? NSNumber)?.int64Value)
            #expect(abs(date - Int64(Date().timeIntervalSince1970)) < 60)
            let fields = [
                "id", "date", "orderType", "size", "symbol", "price", "sl", "tp", "currentPrice",
                "commission", "taxes", "swap", "profit",
            ]
            let positions = fields.compactMap { listed.text.range(of: "\"\($0)\":")?.lowerBound }
            #expect(positions.count == fields.count)
            #expect(positions == positions.sorted(), "fields out of order: \(listed.text)")
            #expect(listed.text.contains("\"sl\":0.0,\"tp\":0.0"))
        }
    }

    @Test func buyAndSellWithTheSeedsBodiesReturnIncreasingTickets() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let buy = try await Curl.run(sim.authorized(token, "POST", "/exchanges/demo/orders", json: Self.buyBody))
            let sell = try await Curl.run(sim.authorized(token, "POST", "/exchanges/demo/orders", json: Self.sellBody))
            #expect(buy.headers["content-type"] == Self.textPlain)
            let first = try #require(Int(buy.text))
            let second = try #require(Int(sell.text))
            #expect(second > first)
            let orders = try await sim.acceptedOrders()
            #expect(orders.map { $0["op"] as? String } == ["buy", "sell"])
            #expect(orders.map { $0["amount"] as? String } == ["0.11", "0.11"])
            #expect(orders.allSatisfy { $0["broker"] as? String == "demo" && $0["status"] as? String == "open" })
        }
    }

    @Test func bearerPrefixMissingHeaderAndForgedTokensAre403() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let parts = token.split(separator: ".").map(String.init)
            let forged = parts[0] + "." + parts[1] + "." + String(parts[2].reversed())
            let unsigned = "eyJhbGciOiJub25lIn0." + parts[1] + "."
            for header in [
                "Authorization: Bearer \(token)", "Authorization: \(forged)", "Authorization: \(unsigned)",
                "Authorization: garbage", "Cache-Control: no-cache",
            ] {
                let result = try await Curl.run(["-X", "GET", sim.venue + "/exchanges/ava/orders", "-H", header])
                #expect(result.status == 403, "\(header)")
                #expect(result.text == "The supplied authentication is not authorized to access this resource")
            }
            let ok = try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/balance"))
            #expect(ok.status == 200)
        }
    }

    @Test func quoteOnlyAndInvalidOrdersAreRejectedWithMinusOne() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let cases: [(String, String)] = [
                ("fxopen", #"{"pair":"EURUSD","amount":1,"op":"buy"}"#),
                ("fxopen", #"{"pair":"USDJPY","amount":1,"op":"sell"}"#),
                ("demo", #"{"pair":"XRPUSD","amount":10,"op":"buy"}"#),
                ("fxclub", #"{"pair":"BTCEUR","amount":0.1,"op":"buy"}"#),
                ("ava", #"{"pair":"ETHUSD","amount":1,"op":"buy"}"#),
                ("ava", #"{"pair":"BTCUSD","amount":1,"op":"BUY"}"#),
                ("ava", #"{"pair":"BTCUSD","amount":0,"op":"buy"}"#),
                ("ava", #"{"pair":"BTCUSD","amount":-0.5,"op":"sell"}"#),
                ("ava", #"{"pair":"BTCUSD","amount":1e12,"op":"sell"}"#),
                ("ava", #"{"amount":1,"op":"buy"}"#),
                ("ava", #"{"pair":"BTCUSD","op":"buy"}"#),
            ]
            for (broker, body) in cases {
                let result = try await Curl.run(
                    sim.authorized(token, "POST", "/exchanges/\(broker)/orders", json: body))
                #expect(result.status == 200)
                #expect(result.text == "-1", "\(broker) \(body)")
            }
            #expect(try await sim.acceptedOrders().isEmpty)
            let quoted = try await Curl.run(sim.authorized(token, "GET", "/exchanges/fxopen/tickers?tickers=EURUSD"))
            #expect(quoted.text.contains("\"name\":\"EURUSD\""))
        }
    }

    @Test func malformedBodiesAre400() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("venue-sim-\(UUID()).bin")
            try Data([0xFF, 0xFE, 0x7B, 0x00, 0xC3]).write(to: garbage)
            defer { try? FileManager.default.removeItem(at: garbage) }
            let bodies: [[String]] = [
                ["-d", #"{"pair":"#], ["-d", "[1,2]"], ["-d", #"{"pair":"BTCUSD","amount":"abc","op":"buy"}"#],
                ["-d", #"{"pair":"BTCUSD","amount":1e400,"op":"buy"}"#], ["-d", #"{"pair":["x"],"amount":1}"#],
                ["--data-binary", "@\(garbage.path)"],
            ]
            for body in bodies {
                let result = try await Curl.run(sim.authorized(token, "POST", "/exchanges/ava/orders") + body)
                #expect(result.status == 400, "\(body)")
                #expect(result.text.hasPrefix("The request content was malformed:"), "\(body): \(result.text)")
            }
            let lenient = try await Curl.run(
                sim.authorized(
                    token, "POST", "/exchanges/ava/orders", json: #"{"pair":"BTCUSD","amount":"0.25","op":"buy","x":1}"#
                ))
            #expect(Int(lenient.text) != nil, "Gson reads a numeric string into a Double: \(lenient.text)")
        }
    }

    @Test func deleteClosesAnOpenOrderOnceAndBooksTheProfit() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let ticket = try #require(
                Int(try await Curl.run(sim.authorized(token, "POST", "/exchanges/ava/orders", json: Self.buyBody)).text)
            )
            let otherBroker = try await Curl.run(
                sim.authorized(token, "DELETE", "/exchanges/icmarkets/orders/\(ticket)"))
            #expect(otherBroker.text == "false")
            let first = try await Curl.run(sim.authorized(token, "DELETE", "/exchanges/ava/orders/\(ticket)"))
            #expect(first.status == 200)
            #expect(first.text == "true")
            let second = try await Curl.run(sim.authorized(token, "DELETE", "/exchanges/ava/orders/\(ticket)"))
            #expect(second.text == "false")
            let unknown = try await Curl.run(sim.authorized(token, "DELETE", "/exchanges/ava/orders/12345"))
            #expect(unknown.text == "false")
            for bad in ["abc", "-5", "99999999999", "1.5"] {
                let result = try await Curl.run(sim.authorized(token, "DELETE", "/exchanges/ava/orders/\(bad)"))
                #expect(result.status == 404, "\(bad)")
                #expect(result.text == "The requested resource could not be found.")
            }
            let order = try #require(try await sim.acceptedOrders().first)
            #expect(order["status"] as? String == "closed")
            let profitText = try #require(order["profit"] as? String)
            let profit = try #require(Decimal(string: profitText))
            let balance = try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/balance"))
            #expect(Decimal(string: balance.text) == 10_000 + profit, "balance \(balance.text), profit \(profit)")
            #expect(try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/orders")).text == "[]")
        }
    }

    @Test func balanceIsJavaDoubleText() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            for broker in ["ava", "icmarkets", "fxopen", "fxclub", "demo"] {
                let result = try await Curl.run(sim.authorized(token, "GET", "/exchanges/\(broker)/balance"))
                #expect(result.status == 200)
                #expect(result.text == "10000.0")
                #expect(result.headers["content-type"] == Self.textPlain)
            }
        }
    }

    @Test func tickersAnswerTheRequestedSymbolsOrAnEmptyArray() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let both = try await Curl.run(
                sim.authorized(token, "GET", "/exchanges/icmarkets/tickers?tickers=BTCUSD,ETHUSD"))
            #expect(both.headers["content-type"] == Self.textPlain)
            let tickers = try #require(try JSONSerialization.jsonObject(with: both.body) as? [[String: Any]])
            #expect(tickers.map { $0["name"] as? String } == ["BTCUSD", "ETHUSD"])
            for ticker in tickers {
                let bid = try #require((ticker["bid"] as? NSNumber)?.doubleValue)
                let ask = try #require((ticker["ask"] as? NSNumber)?.doubleValue)
                #expect(bid > 0 && bid < ask)
                #expect((ticker["last"] as? NSNumber)?.doubleValue == 0)
            }
            let fields = ["name", "time", "bid", "ask", "last", "volume"].compactMap {
                both.text.range(of: "\"\($0)\":")?.lowerBound
            }
            #expect(fields.count == 6 && fields == fields.sorted())
            let unknown = try await Curl.run(
                sim.authorized(token, "GET", "/exchanges/ava/tickers?tickers=BTCUSD,ETHUSD"))
            #expect(unknown.status == 200)
            #expect(unknown.text == "[]")
            let all = try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/tickers"))
            let names = try #require(try JSONSerialization.jsonObject(with: all.body) as? [[String: Any]]).map {
                $0["name"] as? String
            }
            #expect(names == ["EURUSD", "USDJPY", "BCHUSD", "BTCEUR", "BTCJPY", "BTCUSD", "BTGUSD"])
        }
    }

    @Test func unknownBrokerIs500UnknownPathIs404WrongMethodIs405() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let broker = try await Curl.run(sim.authorized(token, "GET", "/exchanges/binance/orders"))
            #expect(broker.status == 500)
            #expect(broker.text == "There was an internal server error.")
            let unauthenticated = try await Curl.run([sim.venue + "/exchanges/binance/orders"])
            #expect(unauthenticated.status == 403)
            for path in ["/nope", "/exchanges", "/exchanges/ava", "/exchanges/ava/orders/", "/exchanges//orders"] {
                let result = try await Curl.run(sim.authorized(token, "GET", path))
                #expect(result.status == 404, "\(path)")
            }
            let method = try await Curl.run(sim.authorized(token, "PUT", "/exchanges/ava/orders"))
            #expect(method.status == 405)
            #expect(method.text == "HTTP method not allowed, supported methods: GET, POST")
        }
    }
}
