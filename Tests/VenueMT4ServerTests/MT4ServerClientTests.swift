import Foundation
import Messages
import Testing
import VenueKit
import VenueMT4Server

@Suite(.timeLimit(.minutes(3)))
struct MT4ServerClientTests {
    @Test func placeListCloseAndBalanceAgainstTheSimulator() async throws {
        try await withSimulator { sim in
            let (client, tokens) = try sim.client(broker: "ava")
            #expect(try await client.balance() == 10_000)

            let request = VenuePlaceRequest(clientOrderID: "c-1", symbol: "BTCUSD", side: .buy, quantity: Decimal(string: "0.11")!)
            guard case .accepted(let ack) = await client.place(request) else {
                Issue.record("the order should be accepted")
                return
            }
            #expect(Int(ack.venueOrderID)! > 0)
            #expect(ack.filledQuantity == Decimal(string: "0.11"))
            #expect((ack.averagePrice ?? 0) > 1000)

            let open = try await client.openOrders()
            #expect(open.map(\.venueOrderID) == [ack.venueOrderID])
            #expect(open.first?.symbol == "BTCUSD")
            #expect(open.first?.side == .buy)

            guard case .accepted = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) else {
                Issue.record("the close should be accepted")
                return
            }
            guard case .rejected(let reason) = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) else {
                Issue.record("closing a closed order must be refused")
                return
            }
            #expect(reason.code == "close_refused")
            #expect(try await client.openOrders().isEmpty)
            #expect(try await client.balance() != 10_000, "the round trip realised a profit or loss")
            #expect(await tokens.loginCount == 1)
        }
    }

    @Test func aQuoteOnlySymbolIsRejectedWithoutAnyRequest() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client(broker: "demo")
            _ = try await client.balance()  // logged in, so any order request would show in the log
            let outcome = await client.place(VenuePlaceRequest(clientOrderID: "c-q", symbol: "XRPUSD", side: .buy, quantity: 1))
            guard case .rejected(let reason) = outcome else {
                Issue.record("a quote-only symbol must be rejected, got \(outcome)")
                return
            }
            #expect(reason.code == "symbol_quote_only")
            #expect(try await sim.requests(matching: "/orders", method: "POST").isEmpty)
            #expect(try await sim.adminList("orders").isEmpty)
        }
    }

    @Test func theClientLogsInAgainAfterForcedTokenExpiryWithoutAFailedCall() async throws {
        try await withSimulator { sim in
            let (client, tokens) = try sim.client(broker: "icmarkets")
            _ = try await client.balance()
            try await sim.setFaults(#"{"expireTokens": true}"#)
            // Every call succeeds: the 403 is answered by one re-login and a repeat.
            #expect(try await client.balance() == 10_000)
            guard case .accepted = await client.place(VenuePlaceRequest(clientOrderID: "c-2", symbol: "EURUSD", side: .sell, quantity: 1)) else {
                Issue.record("the order after re-login should be accepted")
                return
            }
            #expect(await tokens.loginCount == 2)
            let refused = try await sim.requests(matching: "/balance").filter { $0["status"] as? Int == 403 }
            #expect(refused.count == 1, "exactly one call met the expired token")
        }
    }

    @Test func aTokenWithExpiryIsRenewedBeforeItLapses() async throws {
        try await withSimulator { sim in
            try await sim.setFaults(#"{"tokenTTL": 2}"#)
            let (client, tokens) = try sim.client(broker: "ava") { $0.tokenRefreshMargin = .seconds(1) }
            let deadline = ContinuousClock.now + .milliseconds(3500)
            while ContinuousClock.now < deadline {
                _ = try await client.balance()
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(await tokens.loginCount >= 2)
            #expect(try await sim.requests(matching: "/balance").allSatisfy { $0["status"] as? Int == 200 }, "no call met an expired token")
        }
    }

    @Test func aHungOrderIsUnknownAndExistsAtTheVenue() async throws {
        try await withSimulator { sim in
            // Short enough for the test, long enough for the login on a loaded machine.
            let (client, _) = try sim.client(broker: "ava") { $0.requestTimeout = .seconds(3) }
            _ = try await client.balance()
            try await sim.setFaults(#"{"hangOrders": true}"#)
            let outcome = await client.place(VenuePlaceRequest(clientOrderID: "c-h", symbol: "BTCUSD", side: .buy, quantity: 1))
            guard case .unknown(let reason) = outcome else {
                Issue.record("an unanswered order must be unknown, never rejected: \(outcome)")
                return
            }
            #expect(reason.code == "no_answer")
            #expect(try await sim.adminList("orders").count == 1, "the venue did accept it")
            #expect(try await sim.requests(matching: "/orders", method: "POST").count == 1, "it was never resent")
        }
    }

    @Test func serverErrorsAndDroppedConnectionsAreUnknownAndNeverResent() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client(broker: "ava")
            _ = try await client.balance()
            try await sim.setFaults(#"{"errorRate": 1}"#)
            guard case .unknown(let fiveHundred) = await client.place(VenuePlaceRequest(clientOrderID: "c-5", symbol: "BTCUSD", side: .buy, quantity: 1)) else {
                Issue.record("a 5xx answer to an order must be unknown")
                return
            }
            #expect(fiveHundred.code == "venue_error")
            try await sim.setFaults(#"{"errorRate": 0, "dropRate": 1}"#)
            guard case .unknown = await client.place(VenuePlaceRequest(clientOrderID: "c-6", symbol: "BTCUSD", side: .buy, quantity: 1)) else {
                Issue.record("a dropped connection after sending must be unknown")
                return
            }
            #expect(try await sim.requests(matching: "/orders", method: "POST").count == 2, "neither order was resent")
        }
    }

    @Test func anUnreachableVenueRejectsTheOrderBecauseNothingWasSent() async throws {
        var configuration = MT4ServerConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!, broker: "ava")
        configuration.connectRetries = 1
        // A deadline far longer than a refused connection can take, even on a loaded machine: finishing in less than
        // half of it proves that no attempt waited for the deadline (it is not a speed measurement).
        configuration.requestTimeout = .seconds(50)
        let tokens = VenueTokenCache { () async throws(VenueError) in (VenueSecret("unused.jwt.token"), nil) }
        let client = try MT4ServerClient(venueID: "mt4-down", configuration: configuration, tokens: tokens, logger: testLogger)
        let started = ContinuousClock.now
        defer { #expect(ContinuousClock.now - started < .seconds(25), "a refused connection must not wait for the deadline") }
        guard case .rejected(let reason) = await client.place(VenuePlaceRequest(clientOrderID: "c-u", symbol: "BTCUSD", side: .buy, quantity: 1)) else {
            Issue.record("an order that could not be sent must be rejected (no order exists)")
            return
        }
        #expect(reason.code == "venue_unreachable")
    }

    @Test func aWrongAPIKeyIsUnauthorizedAndNoOrderIsSent() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client(broker: "ava", apiKey: "not-the-key")
            guard case .rejected(let reason) = await client.place(VenuePlaceRequest(clientOrderID: "c-k", symbol: "BTCUSD", side: .buy, quantity: 1)) else {
                Issue.record("an order without a session must be rejected")
                return
            }
            #expect(reason.code == "unauthorized")
            #expect(try await sim.requests(matching: "/orders").isEmpty)
            await #expect(throws: VenueError.self) { _ = try await client.balance() }
        }
    }

    @Test func restQuotesAreDecimalAndOrdered() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client(broker: "demo")
            let quotes = try await client.quotes(["BTCUSD", "ETHUSD"])
            #expect(Set(quotes.map(\.symbol)) == ["BTCUSD", "ETHUSD"])
            #expect(quotes.allSatisfy { $0.bid > 0 && $0.bid < $0.ask })
        }
    }
}

@Suite(.timeLimit(.minutes(3)))
struct MT4ServerTickerTests {
    @Test func theTickStreamSurvivesADroppedWebSocketAndResumes() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client(broker: "ava")
            var iterator = client.quotes(for: ["BTCUSD"]).makeAsyncIterator()
            for _ in 0..<3 {
                let quote = try #require(try await iterator.next())
                #expect(quote.symbol == "BTCUSD")
                #expect(quote.bid < quote.ask)
            }
            let upgradesBefore = try await sim.requests(matching: "/ticker").count
            try await sim.setFaults(#"{"dropWebSockets": true}"#)
            let dropped = ContinuousClock.now
            // Frames already in flight may still arrive; wait for a frame from the new connection.
            var resumed = false
            while ContinuousClock.now - dropped < .seconds(20) {
                _ = try #require(try await iterator.next())
                if try await sim.requests(matching: "/ticker").count > upgradesBefore {
                    resumed = true
                    break
                }
            }
            #expect(resumed, "the ticker reconnected and quotes resumed")
        }
    }
}
