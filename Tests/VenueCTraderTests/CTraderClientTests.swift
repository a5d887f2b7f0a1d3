import Foundation
import Logging
import Messages
import Synchronization
import TestSupport
import Testing
@testable import VenueCTrader
import VenueKit
import VenueSimulator

/// The cTrader protocol module against the simulator, over a real WebSocket.
@Suite(.timeLimit(.minutes(2)))
struct CTraderClientTests {
    @Test func aMarketOrderIsFilledListedAndClosed() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            let before = try await client.balance()
            #expect(before == 10_000, "balance ÷ 10^moneyDigits")
            let outcome = await client.place(order(1000, key: "0b6c8a52-0d5e-4a41-9c53-1f1f6d1c7a10"))
            guard case .accepted(let ack) = outcome else {
                Issue.record("the order should be filled, got \(outcome)")
                return
            }
            #expect(ack.filledQuantity == 1000)
            #expect((ack.averagePrice ?? 0) > 1)
            let request = try #require(sim.frames(2106).first?["payload"] as? [String: Any])
            #expect(request["volume"] as? Int == 100_000, "cents of units")
            #expect(request["orderType"] as? Int == 1)
            #expect(request["tradeSide"] as? Int == 1)
            #expect(request["clientOrderId"] as? String == "ct-1")
            #expect(request["label"] as? String == "tradewire")
            #expect(request["comment"] as? String == "tw:0b6c8a52-0d5e-4a41-9c53-1f1f6d1c7a10")

            let open = try await client.openOrders()
            #expect(open.map(\.venueOrderID) == [ack.venueOrderID])
            #expect(open.first?.side == .buy)
            #expect(open.first?.quantity == 1000)
            #expect(open.first?.symbol == "EURUSD")

            guard case .accepted(let closed) = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) else {
                Issue.record("the close should be filled")
                return
            }
            #expect(closed.filledQuantity == 1000)
            let close = try #require(sim.frames(2111).first?["payload"] as? [String: Any])
            #expect(close["volume"] as? Int == 100_000, "the whole position, read with 2124")
            #expect(try await client.openOrders().isEmpty)
            #expect(try await client.balance() != before, "the spread moved the balance")
        }
    }

    @Test func aPartOfAPositionIsClosed() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            guard case .accepted(let ack) = await client.place(order(2000, "GBPUSD", side: .sell)) else {
                Issue.record("the order should be filled")
                return
            }
            guard case .accepted = await client.close(venueOrderID: ack.venueOrderID, quantity: 1000) else {
                Issue.record("the partial close should be filled")
                return
            }
            #expect(try await client.openOrders().first?.quantity == 1000)
        }
    }

    @Test func protectivePricesOfAMarketOrderGoAsDistances() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            let quote = try #require(await client.currentQuote("EURUSD"))
            let outcome = await client.place(order(1000, stopLoss: quote.ask - Decimal(string: "0.005")!, takeProfit: quote.ask + Decimal(string: "0.01")!))
            guard case .accepted = outcome else {
                Issue.record("the order should be filled, got \(outcome)")
                return
            }
            let request = try #require(sim.frames(2106).first?["payload"] as? [String: Any])
            #expect(request["stopLoss"] == nil && request["takeProfit"] == nil, "absolute prices are not for market orders")
            #expect((request["relativeStopLoss"] as? Int ?? 0) > 400, "about 500 in 1/100000")
            #expect((request["relativeTakeProfit"] as? Int ?? 0) > 900)
            guard case .rejected(let reason) = await client.place(order(1000, stopLoss: quote.ask + 1, id: "ct-2")) else {
                Issue.record("a stop loss above a buy's price must be refused")
                return
            }
            #expect(reason.code == "invalid_stops")
            #expect(sim.frames(2106).count == 1, "refused before sending")
        }
    }

    @Test func aLimitOrderRestsAndIsCancelled() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            let outcome = await client.place(order(2, "XAUUSD", type: .limit, price: 1000))
            guard case .accepted(let ack) = outcome else {
                Issue.record("the limit order should be accepted, got \(outcome)")
                return
            }
            #expect(ack.filledQuantity == nil, "resting, not filled")
            #expect(try await client.openOrders().contains { $0.venueOrderID == ack.venueOrderID && $0.price == 1000 })
            guard case .accepted = await client.cancel(venueOrderID: ack.venueOrderID) else {
                Issue.record("the cancel should be accepted")
                return
            }
            #expect(try await client.openOrders().isEmpty)
            guard case .rejected(let again) = await client.cancel(venueOrderID: ack.venueOrderID) else {
                Issue.record("a second cancel must be refused")
                return
            }
            #expect(again.code == "order_not_found")
        }
    }

    @Test func quantitiesOutsideTheSymbolsVolumeRulesAreRefusedBeforeSending() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            for quantity in [Decimal(string: "0.005")!, 10, 1500, 0] {
                guard case .rejected(let reason) = await client.place(order(quantity)) else {
                    Issue.record("\(quantity) units of EURUSD must be refused")
                    continue
                }
                #expect(reason.code == "invalid_quantity", "\(quantity): \(reason)")
            }
            guard case .rejected(let unknown) = await client.place(order(1, "DOGEUSD")) else {
                Issue.record("an unconfigured symbol must be refused")
                return
            }
            #expect(unknown.code == "symbol_unknown")
            #expect(sim.frames(2106).isEmpty)
        }
    }

    @Test func venueRefusalsAreCertainAndMapped() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            guard case .rejected(let funds) = await client.place(order(500, "BTCUSD")) else {
                Issue.record("a position beyond the margin must be refused")
                return
            }
            #expect(funds.code == "insufficient_funds")
            #expect(funds.venueCode == "NOT_ENOUGH_MONEY")
            guard case .rejected(let missing) = await client.close(venueOrderID: "999999", quantity: 1000) else {
                Issue.record("closing an unknown position must be refused")
                return
            }
            #expect(missing.code == "order_not_found")
            #expect(try await sim.orders().isEmpty)
        }
    }

    @Test func refusedCredentialsAreUnauthorized() async throws {
        try await withSimulator { sim in
            let client = try sim.client(accessToken: "not-a-token") { $0.requestTimeout = .seconds(5) }
            defer { client.shutdown() }
            guard case .rejected(let reason) = await client.place(order(1000)) else {
                Issue.record("a refused token must be refused")
                return
            }
            #expect(reason.code == "unauthorized", "\(reason)")
            #expect(!reason.message.contains("not-a-token"))
            #expect(sim.frames(2106).isEmpty)
        }
    }

    @Test func spotsStreamWithTheLastSideKept() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            let quotes = Mutex<[VenueQuote]>([])
            let reader = Task {
                for try await event in client.marketEvents(for: ["EURUSD", "USDJPY"]) {
                    if case .quote(let quote) = event { quotes.withLock { $0.append(quote) } }
                }
            }
            #expect(try await eventually {
                let symbols = Set(quotes.withLock { $0 }.map(\.symbol))
                return symbols == ["EURUSD", "USDJPY"] && quotes.withLock { $0.count } > 20
            })
            for quote in quotes.withLock({ $0 }) {
                #expect(quote.bid > 0 && quote.ask >= quote.bid, "both sides, always: \(quote)")
                #expect(quote.bid.exponent >= -5, "÷ 100000, exact")
            }
            reader.cancel()
            #expect(try await eventually { !sim.frames(2129).isEmpty }, "unsubscribed when nobody wants them")
        }
    }

    @Test func aSpotWithOneSideKeepsTheOtherSidesLastValue() {
        let first = CTraderSession.sides(of: .object(["bid": .number(108_512), "ask": .number(108_515)]), after: nil)
        #expect(first.bid == Decimal(string: "1.08512") && first.ask == Decimal(string: "1.08515"))
        let bidOnly = CTraderSession.sides(of: .object(["bid": .number(108_510)]), after: first)
        #expect(bidOnly.bid == Decimal(string: "1.0851") && bidOnly.ask == Decimal(string: "1.08515"))
        let askOnly = CTraderSession.sides(of: .object(["ask": .number(5_342_378_200)]), after: (nil, nil))
        #expect(askOnly.bid == nil && askOnly.ask == Decimal(string: "53423.782"), "no bid yet: no quote is made")
    }

    @Test func aTokenInvalidatedByARefreshIsReplacedAndTradingGoesOn() async throws {
        try await withSimulator { sim in
            let tokens = RotatingTokens(accessToken: SimAccount.accessToken)
            let client = try sim.client(tokens: tokens)
            defer { client.shutdown() }
            _ = try await client.balance()
            let refreshed = try await CTraderLogin.refresh(
                configuration: CTraderConfiguration(endpoint: sim.venue, accountID: SimAccount.id), clientID: SimAccount.clientID,
                clientSecret: VenueSecret(SimAccount.clientSecret), refreshToken: VenueSecret(SimAccount.refreshToken),
                logger: testLogger)
            #expect(refreshed.refreshToken.value != SimAccount.refreshToken)
            await tokens.rotate(to: refreshed.accessToken.value)
            guard case .accepted = await client.place(order(1000)) else {
                Issue.record("the order should go through with the new token")
                return
            }
            #expect(sim.frames(2102).count >= 2, "the account authenticated again")
            #expect(sim.frames(2100).count == 2, "on the same connection (the other one is the refresh's own)")
            await #expect(throws: VenueError.self, "the spent refresh token is dead") {
                _ = try await CTraderLogin.refresh(
                    configuration: CTraderConfiguration(endpoint: sim.venue, accountID: SimAccount.id), clientID: SimAccount.clientID,
                    clientSecret: VenueSecret(SimAccount.clientSecret), refreshToken: VenueSecret(SimAccount.refreshToken),
                    logger: testLogger)
            }
        }
    }

    @Test func heartbeatsKeepAnIdleSessionOpen() async throws {
        try await withSimulator(configure: { $0.ctrader.heartbeatTimeout = .seconds(3) }) { sim in
            let client = try sim.client { $0.heartbeatInterval = .milliseconds(250) }
            defer { client.shutdown() }
            _ = try await client.balance()
            #expect(try await eventually { sim.frames(51).count >= 30 }, "idle for 30 heartbeat intervals")
            _ = try await client.balance()
            #expect(try await sim.status()["heartbeatClosures"] == 0)
            #expect(sim.frames(2100).count == 1, "one connection throughout")
        }
    }

    @Test func withoutHeartbeatsTheVenueDropsTheSession() async throws {
        try await withSimulator(configure: { $0.ctrader.heartbeatTimeout = .seconds(1) }) { sim in
            let client = try sim.client { configuration in
                configuration.heartbeatInterval = .seconds(9)
                configuration.silenceTimeout = .seconds(60)
            }
            defer { client.shutdown() }
            _ = try await client.balance()
            #expect(try await eventually { try await sim.status()["heartbeatClosures"] ?? 0 >= 1 })
            // (No call now: with heartbeats slower than the venue's timeout, every connection is dropped again.)
            #expect(try await eventually { sim.frames(2100).count >= 2 }, "the client reconnected and authenticated again")
        }
    }
}
