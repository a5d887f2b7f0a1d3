import Foundation
import Testing
import VenueSimulator

/// The cTrader face's reference data (assets, symbols, trader) and spot subscriptions.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CTraderMarketTests {
    @Test func symbolsAreListedAndDescribedByID() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let list = ctraderPayload(try await client.accountCall(2114))
            #expect(list["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            let light = try #require(list["symbol"] as? [[String: Any]])
            #expect(
                light.compactMap { $0["symbolName"] as? String } == ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD"])
            #expect(light.compactMap { $0["symbolId"] as? Int } == [1, 2, 3, 4, 5])
            #expect(light.allSatisfy { $0["enabled"] as? Bool == true && $0["description"] is String })
            #expect(
                light.allSatisfy {
                    $0["baseAssetId"] is Int && $0["quoteAssetId"] is Int && $0["symbolCategoryId"] is Int
                })
            #expect((list["archivedSymbol"] as? [Any])?.isEmpty == true)

            let byID = try await client.accountCall(2116, ["symbolId": [3, 99, 1, 5]])
            #expect(ctraderType(byID) == 2117)
            let full = try #require(ctraderPayload(byID)["symbol"] as? [[String: Any]])
            #expect(full.compactMap { $0["symbolId"] as? Int } == [3, 1, 5], "unknown ids are skipped")
            #expect(full.compactMap { $0["digits"] as? Int } == [3, 5, 2])
            #expect(full.compactMap { $0["pipPosition"] as? Int } == [2, 4, 0])
            #expect(full.compactMap { $0["lotSize"] as? Int } == [10_000_000, 10_000_000, 100])
            #expect(full.compactMap { $0["minVolume"] as? Int } == [100_000, 100_000, 1])
            #expect(full.compactMap { $0["stepVolume"] as? Int } == [100_000, 100_000, 1])
            #expect(full.compactMap { $0["maxVolume"] as? Int } == [10_000_000_000, 10_000_000_000, 1_000_000])
            #expect(full.allSatisfy { $0["enableShortSelling"] as? Bool == true && $0["tradingMode"] as? Int == 0 })
            let gold = try await client.accountCall(2116, ["symbolId": [4]])
            let xau = try #require((ctraderPayload(gold)["symbol"] as? [[String: Any]])?.first)
            #expect(xau["digits"] as? Int == 2 && xau["lotSize"] as? Int == 10_000 && xau["minVolume"] as? Int == 100)
            #expect(xau["maxVolume"] as? Int == 10_000_000 && xau["pipPosition"] as? Int == 1)

            let assets = try #require(ctraderPayload(try await client.accountCall(2112))["asset"] as? [[String: Any]])
            #expect(assets.first { $0["assetId"] as? Int == 1 }?["name"] as? String == "USD")
        }
    }

    @Test func theTraderCarriesTheAccount() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let answer = ctraderPayload(try await client.accountCall(2121))
            #expect(answer["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            let trader = try #require(answer["trader"] as? [String: Any])
            #expect(trader["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            #expect(trader["balance"] as? Int == 1_000_000 && trader["moneyDigits"] as? Int == 2)
            #expect(trader["depositAssetId"] as? Int == 1 && trader["leverageInCents"] as? Int == 10_000)
            #expect(trader["accessRights"] as? Int == 0 && trader["accountType"] as? Int == 0)
            #expect(trader["traderLogin"] as? Int == 5_550_001 && trader["brokerName"] as? String == "Tradewire Sim")
            #expect(
                trader["balanceVersion"] is Int && (trader["registrationTimestamp"] as? Int ?? 0) > 1_600_000_000_000)
        }
    }

    @Test func spotsStartWithBothSidesThenOmitAnUnchangedSide() async throws {
        try await withSimulator(configure: { $0.tickInterval = .milliseconds(150) }) { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            let subscribed = try await client.accountCall(
                2127, ["symbolId": [1, 3], "subscribeToSpotTimestamp": true])
            #expect(ctraderType(subscribed) == 2128)
            #expect(ctraderPayload(subscribed)["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            func spots(_ symbol: Int) -> [[String: Any]] {
                client.messages.filter { ctraderType($0) == 2131 && ctraderPayload($0)["symbolId"] as? Int == symbol }
            }
            _ = try await client.collect(1) { ctraderType($0) == 2131 && ctraderPayload($0)["symbolId"] as? Int == 3 }
            for symbol in [1, 3] {
                let first = try #require(spots(symbol).first.map(ctraderPayload))
                let bid = try #require(first["bid"] as? Int)
                let ask = try #require(first["ask"] as? Int)
                #expect(
                    bid < ask && first["timestamp"] is Int
                        && first["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
                #expect(spots(symbol).first?["clientMsgId"] == nil)
                let expected = symbol == 1 ? 108_500 : 15_120_000
                #expect(abs(bid - expected) < expected / 10, "around the base price: \(bid)")
            }
            let oneSided = try await client.collect(1, timeout: .seconds(30)) {
                let payload = ctraderPayload($0)
                return ctraderType($0) == 2131 && payload["symbolId"] as? Int == 1
                    && (payload["bid"] == nil) != (payload["ask"] == nil)
            }
            #expect(!oneSided.isEmpty, "a spot event with one side omitted")
            #expect(ctraderError(try await client.accountCall(2127, ["symbolId": [1]])) == "ALREADY_SUBSCRIBED")
            #expect(ctraderError(try await client.accountCall(2127, ["symbolId": [2, 77]])) == "SYMBOL_NOT_FOUND")
            #expect(try await sim.ctraderStatus()["spotSubscriptions"] == 2)

            let unsubscribe = try await client.accountCall(2129, ["symbolId": [1]])
            #expect(ctraderType(unsubscribe) == 2130)
            let index = try #require(client.messages.firstIndex { ctraderType($0) == 2130 })
            let witness = spots(3).count
            _ = try await client.collect(witness + 5) {
                ctraderType($0) == 2131 && ctraderPayload($0)["symbolId"] as? Int == 3
            }
            let late = client.messages[(index + 1)...].filter {
                ctraderType($0) == 2131 && ctraderPayload($0)["symbolId"] as? Int == 1
            }
            #expect(late.isEmpty, "no spot of an unsubscribed symbol after 2130")
            #expect(ctraderError(try await client.accountCall(2129, ["symbolId": [1]])) == "NOT_SUBSCRIBED_TO_SPOTS")
            #expect(try await sim.ctraderStatus()["spotSubscriptions"] == 1)
        }
    }
}
