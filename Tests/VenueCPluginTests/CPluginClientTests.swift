import Foundation
import Messages
import Synchronization
import TestSupport
import Testing
import VenueCPlugin
import VenueKit
import VenueSimulator

/// The CPlugin protocol module against the simulator, over sockets.
@Suite(.timeLimit(.minutes(3)))
struct CPluginClientTests {
    @Test func openListCloseAndBalance() async throws {
        try await withSimulator { sim in
            let (client, tokens) = try sim.client()
            let before = try await client.balance()
            #expect(before == 10_000)

            let request = VenuePlaceRequest(
                clientOrderID: "c-open-1", symbol: "EURUSD", side: .buy, quantity: Decimal(string: "0.25")!,
                idempotencyKey: UUID().uuidString.lowercased())
            guard case .accepted(let ack) = await client.place(request) else {
                Issue.record("the order should be accepted")
                return
            }
            #expect(Int(ack.venueOrderID)! > 0)
            #expect(ack.filledQuantity == Decimal(string: "0.25"))
            let quote = try #require(sim.simulator.cplugin?.currentQuote(symbol: "EURUSD"))
            #expect((ack.averagePrice ?? 0) > quote.bid * Decimal(string: "0.9")!)

            // The venue received lots × 100 and the client order id as the comment.
            let booked = try await sim.adminList("orders")
            #expect(booked.count == 1)
            #expect(booked.first?["amount"] as? String == "0.25")

            let open = try await client.openOrders()
            #expect(open.map(\.venueOrderID) == [ack.venueOrderID])
            #expect(open.first?.side == .buy)
            #expect(open.first?.quantity == Decimal(string: "0.25"))
            #expect(try await client.openOrders(clientOrderID: "c-open-1").map(\.venueOrderID) == [ack.venueOrderID])

            guard case .accepted(let closed) = await client.close(
                venueOrderID: ack.venueOrderID, quantity: nil, idempotencyKey: UUID().uuidString)
            else {
                Issue.record("the close should be accepted")
                return
            }
            #expect(closed.filledQuantity == Decimal(string: "0.25"))
            #expect(try await client.openOrders().isEmpty)
            #expect(try await client.balance() != before, "the round trip realised the spread")
            guard case .rejected(let again) = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) else {
                Issue.record("closing a closed trade must be refused")
                return
            }
            #expect(again.code == "not_open")
            #expect(await tokens.loginCount == 1)
        }
    }

    @Test func aRepeatedIdempotencyKeyReturnsTheFirstAnswerAndTradesOnce() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client()
            let key = UUID().uuidString.lowercased()
            let request = VenuePlaceRequest(
                clientOrderID: "c-idem", symbol: "BTCUSD", side: .sell, quantity: Decimal(string: "0.01")!, idempotencyKey: key)
            guard case .accepted(let first) = await client.place(request),
                case .accepted(let second) = await client.place(request)
            else {
                Issue.record("both attempts should be answered as accepted")
                return
            }
            #expect(first.venueOrderID == second.venueOrderID)
            #expect(try await sim.adminList("orders").count == 1)
            #expect(try await sim.status()["idempotentReplays"] == 1)

            // The header really went out: the same order without a key trades again.
            var unkeyed = request
            unkeyed.idempotencyKey = nil
            guard case .accepted(let third) = await client.place(unkeyed) else {
                Issue.record("an order without a key should be accepted")
                return
            }
            #expect(third.venueOrderID != first.venueOrderID)
            #expect(try await sim.adminList("orders").count == 2)
        }
    }

    @Test func aLostAnswerIsRetriedWithTheSameKeyAndNeverTradesTwice() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client { $0.requestTimeout = .seconds(2) }
            _ = try await client.balance()
            // The venue books the order but withholds the answer: the client's deadline passes, it sends again with
            // the same key, and the venue answers from its idempotency cache.
            try await sim.setFaults(#"{"hangOrders": true}"#)
            let outcome = await client.place(VenuePlaceRequest(
                clientOrderID: "c-lost", symbol: "ETHUSD", side: .buy, quantity: Decimal(string: "0.1")!,
                idempotencyKey: UUID().uuidString.lowercased()))
            guard case .accepted(let ack) = outcome else {
                Issue.record("the repeat with the same key should give the first answer, got \(outcome)")
                return
            }
            let booked = try await sim.adminList("orders")
            #expect(booked.count == 1, "one trade, however often the request was sent")
            #expect(String(describing: booked.first?["ticket"] ?? "") == ack.venueOrderID)
            #expect(try await sim.requests(matching: "TradeTransaction", method: "POST").count >= 2)
        }
    }

    @Test func anUnkeyedLostAnswerIsUnknownAndNotResent() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client { $0.requestTimeout = .seconds(2) }
            _ = try await client.balance()
            try await sim.setFaults(#"{"hangOrders": true}"#)
            let outcome = await client.place(VenuePlaceRequest(
                clientOrderID: "c-lost-2", symbol: "ETHUSD", side: .buy, quantity: Decimal(string: "0.1")!))
            guard case .unknown = outcome else {
                Issue.record("without a key a lost answer is unknown, got \(outcome)")
                return
            }
            #expect(try await sim.requests(matching: "TradeTransaction", method: "POST").count == 1)
        }
    }

    @Test func envelopeErrorsAreMappedToReasons() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client()
            func refusal(_ symbol: String, _ lots: String) async -> Reason? {
                let outcome = await client.place(VenuePlaceRequest(
                    clientOrderID: "c-err", symbol: symbol, side: .buy, quantity: Decimal(string: lots)!,
                    idempotencyKey: UUID().uuidString))
                if case .rejected(let reason) = outcome { return reason }
                Issue.record("\(symbol) \(lots) should be rejected, got \(outcome)")
                return nil
            }
            let unknownSymbol = await refusal("GBPCHF", "1")
            #expect(unknownSymbol?.code == "invalid_request")
            #expect(unknownSymbol?.venueCode == "MT4Error/InvalidData")
            let tooLarge = await refusal("EURUSD", "250")
            #expect(tooLarge?.code == "invalid_quantity")
            #expect(tooLarge?.venueCode == "MT4Error/TradeBadVolume")
            let noMoney = await refusal("BTCUSD", "90")
            #expect(noMoney?.code == "insufficient_funds")
            #expect(noMoney?.venueCode == "MT4Error/TradeNoMoney")
            // Not a whole number of 0.01 lots: refused before sending.
            let fraction = await refusal("EURUSD", "0.015")
            #expect(fraction?.code == "invalid_quantity")
            #expect(fraction?.venueCode == nil)
            #expect(try await sim.adminList("orders").isEmpty)

            guard case .rejected(let unknownTicket) = await client.close(venueOrderID: "49999999", quantity: nil) else {
                Issue.record("closing an unknown ticket must be refused")
                return
            }
            #expect(unknownTicket.code == "not_found")
        }
    }

    @Test func theTokenIsRenewedSixtySecondsBeforeExpiryAndOnceOn401() async throws {
        try await withSimulator { sim in
            // The cache's clock runs `offset` seconds ahead of the real one: expiry is tested without waiting.
            let offset = ClockOffset()
            let configuration = sim.configuration()
            let tokens = VenueTokenCache(
                refreshMargin: configuration.tokenRefreshMargin, now: { Date().addingTimeInterval(offset.seconds) }
            ) { () async throws(VenueError) in
                try await CPluginLogin.login(configuration: configuration, clientSecret: VenueSecret(SimDefaults.clientSecret))
            }
            let client = try CPluginClient(venueID: "cplugin-test", configuration: configuration, tokens: tokens, logger: testLogger)
            _ = try await client.balance()
            #expect(await tokens.loginCount == 1)
            offset.seconds = 3_000  // 50 minutes into a 3600 s token: still valid
            _ = try await client.balance()
            #expect(await tokens.loginCount == 1, "a valid token is reused")
            offset.seconds = 3_545  // 55 s before expiry: inside the 60 s margin
            _ = try await client.balance()
            #expect(await tokens.loginCount == 2, "renewed within 60 s of expires_in")
            offset.seconds = 0

            // Revoked at the venue: the 401 fetches a new token once and the call succeeds.
            try await sim.setFaults(#"{"expireTokens": true}"#)
            #expect(try await client.balance() == 10_000)
            #expect(await tokens.loginCount == 3)
            #expect(try await sim.requests(matching: "MarginLevelGet").contains { $0["status"] as? Int == 401 })
        }
    }

    @Test func wrongClientCredentialsAreRefusedTheOAuthWay() async throws {
        try await withSimulator { sim in
            let configuration = sim.configuration()
            do {
                _ = try await CPluginLogin.login(configuration: configuration, clientSecret: VenueSecret("wrong-secret"))
                Issue.record("a wrong secret must be refused")
            } catch let error as VenueError {
                #expect(error.code == .unauthorized)
                #expect(error.reason.contains("invalid_client"))
                #expect(!error.description.contains("wrong-secret"))
            }
            let (token, expiresAt) = try await CPluginLogin.login(
                configuration: configuration, clientSecret: VenueSecret(SimDefaults.clientSecret))
            #expect(!token.isEmpty)
            let lifetime = try #require(expiresAt).timeIntervalSinceNow
            #expect(lifetime > 3_500 && lifetime <= 3_600)
        }
    }

    @Test func theLastTickIsAvailableOverREST() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client()
            let quote = try await client.lastQuote("USDJPY")
            #expect(quote.symbol == "USDJPY")
            #expect(quote.bid > 0 && quote.bid < quote.ask)
            #expect(quote.venueTime != nil)
        }
    }
}

/// How far a test clock runs ahead of the real one.
final class ClockOffset: Sendable {
    private let value = Mutex<TimeInterval>(0)
    var seconds: TimeInterval {
        get { self.value.withLock { $0 } }
        set { self.value.withLock { $0 = newValue } }
    }
}
