import Foundation
import Testing
import VenueSimulator

/// The Deriv face's fault injection and its admin API (orders, status, requests, reset, received frames).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DerivFaultAndAdminTests {
    @Test func injectedErrorsAnswerInternalServerErrorWithoutExecuting() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            try await sim.adminPost("/deriv/faults", json: #"{"errorRate":1}"#)
            let answer = try await client.call(DerivDefaults.multiplier())
            #expect(derivError(answer) == "InternalServerError" && answer["msg_type"] as? String == "buy")
            #expect(try await sim.derivOrders().isEmpty)
            try await sim.adminPost("/deriv/faults", json: #"{"errorRate":0}"#)
            #expect(decimal(try await client.object(["balance": 1])["balance"]) == 10_000)
            let buys = try await sim.derivRequests().filter { $0["path"] as? String == "/websockets/v3/buy" }
            #expect(buys.map { $0["status"] as? Int } == [500])
            #expect(buys.first?["method"] as? String == "WS")
        }
    }

    @Test func dropsCloseTheConnectionWithoutAnsweringOrExecuting() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            try await sim.adminPost("/deriv/faults", json: #"{"dropRate":1}"#)
            try await client.send(DerivDefaults.multiplier())
            while try await client.read() != nil {}
            #expect(client.isClosed && client.closeCode == nil, "closed without a close frame")
            #expect(!client.messages.contains { ($0["msg_type"] as? String) == "buy" })
            #expect(try await sim.derivOrders().isEmpty)
            let buys = try await sim.derivRequests().filter { $0["path"] as? String == "/websockets/v3/buy" }
            #expect(buys.map { $0["status"] as? Int } == [0])
        }
    }

    @Test func hangOrdersBuysButWithholdsTheAnswerOnAnOpenConnection() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            try await sim.adminPost("/deriv/faults", json: #"{"hangOrders":true}"#)
            let buyID = try await client.send(DerivDefaults.multiplier())
            #expect(try await client.payload(["ping": 1]) as? String == "pong", "later frames are answered")
            #expect(!client.messages.contains { $0["req_id"] as? Int == buyID }, "the buy was not answered")
            let orders = try await sim.derivOrders()
            try #require(orders.count == 1)
            #expect(orders[0]["responseWithheld"] as? Bool == true && orders[0]["status"] as? String == "open")
            #expect(try await sim.derivStatus()["withheldResponses"] == 1)
            let ticket = try #require(orders[0]["ticket"] as? Int)
            let sellID = try await client.send(["sell": ticket, "price": 0])
            _ = try await client.payload(["ping": 1])
            #expect(!client.messages.contains { $0["req_id"] as? Int == sellID })
            #expect(try await sim.derivOrders().first?["status"] as? String == "closed", "the sale was booked")
            #expect(!client.isClosed)
            let statuses = try await sim.derivRequests().filter { $0["method"] as? String == "WS" }.map {
                ($0["path"] as? String ?? "", $0["status"] as? Int ?? -1)
            }
            #expect(statuses.filter { $0.0.hasSuffix("/buy") || $0.0.hasSuffix("/sell") }.map(\.1) == [0, 0])
        }
    }

    @Test func dropWebSocketsClosesEveryConnection() async throws {
        try await withSimulator { sim in
            let first = try await DerivTestClient.connect(sim)
            let second = try await DerivTestClient.connect(sim)
            _ = try await first.object(["ticks": "R_25"])
            _ = try await second.payload(["ping": 1])
            #expect(try await sim.derivStatus()["openConnections"] == 2)
            let result = try await sim.adminPost("/deriv/faults", json: #"{"dropWebSockets":true}"#)
            #expect(result.status == 200)
            for client in [first, second] {
                while try await client.read() != nil {}
                #expect(client.isClosed && client.closeCode == nil)
            }
            #expect(try await derivEventually { try await sim.derivStatus()["openConnections"] == 0 })
            #expect(try sim.derivVenue.perform(.dropWebSockets) == 0)
        }
    }

    @Test func expireTokensEndsEveryAuthorizedSession() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            let guest = try await DerivTestClient.connect(sim)
            try await client.authorize()
            #expect(try await sim.derivStatus()["authorizedSessions"] == 1)
            #expect(try sim.derivVenue.perform(.expireTokens) == 1)
            #expect(try await sim.derivStatus()["authorizedSessions"] == 0)
            #expect(try await client.payload(["ping": 1]) as? String == "pong", "public calls still work")
            #expect(try await client.errorCode(["portfolio": 1]) == "InvalidToken")
            #expect(try await client.errorCode(["portfolio": 1]) == "AuthorizationRequired")
            #expect(try await guest.errorCode(["portfolio": 1]) == "AuthorizationRequired")
            try await client.authorize()
            #expect(try await client.errorCode(["portfolio": 1]) == nil)
            let result = try await sim.adminPost("/deriv/faults", json: #"{"expireTokens":true}"#)
            #expect(result.status == 200)
            #expect(try await client.errorCode(["balance": 1]) == "InvalidToken")
        }
    }

    @Test func adminOrdersStatusAndResetCoverTheVenue() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            let long = try await client.object(DerivDefaults.multiplier(stake: 20))
            let short = try await client.object(
                DerivDefaults.multiplier("MULTDOWN", symbol: "frxEURUSD", stake: 5, multiplier: 50))
            let longID = try #require(long["contract_id"] as? Int)
            let shortID = try #require(short["contract_id"] as? Int)
            let sold = try await client.object(["sell": shortID, "price": 0])

            let orders = try await sim.derivOrders()
            try #require(orders.count == 2)
            #expect(orders.map { $0["ticket"] as? Int } == [longID, shortID])
            #expect(orders.allSatisfy { $0["broker"] as? String == DerivDefaults.loginID })
            #expect(orders[0]["pair"] as? String == "R_50" && orders[0]["amount"] as? String == "20")
            #expect(orders[0]["op"] as? String == "buy" && orders[0]["status"] as? String == "open")
            #expect(orders[0]["closePrice"] is NSNull && orders[0]["profit"] is NSNull)
            #expect(orders[1]["pair"] as? String == "frxEURUSD" && orders[1]["op"] as? String == "sell")
            #expect(orders[1]["status"] as? String == "closed" && orders[1]["closePrice"] is String)
            let profit = Decimal(string: orders[1]["profit"] as? String ?? "")
            #expect(profit == (decimal(sold["sold_for"]) ?? 0) - 5)
            #expect(orders[0]["responseWithheld"] as? Bool == false)

            let status = try await sim.derivStatus()
            #expect(status["openConnections"] == 1 && status["authorizedSessions"] == 1)
            #expect(status["openContracts"] == 1 && status["rateLimited"] == 0 && status["idleClosures"] == 0)
            #expect(Set(status.keys).isSuperset(of: ["subscriptions", "withheldResponses"]))

            let frames = try sim.derivVenue.receivedFrames()
            #expect(frames.count == 4 && frames.first?.contains(#""authorize":"sim-deriv-token""#) == true)
            let requests = try await sim.derivRequests().map { $0["path"] as? String ?? "" }
            #expect(requests == [
                "/websockets/v3", "/websockets/v3/authorize", "/websockets/v3/buy", "/websockets/v3/buy",
                "/websockets/v3/sell",
            ])

            let reset = try await sim.adminPost("/deriv/reset")
            #expect(reset.status == 200)
            #expect(try await sim.derivOrders().isEmpty)
            #expect(try sim.derivVenue.receivedFrames().isEmpty)
            #expect(decimal(try await client.object(["balance": 1])["balance"]) == 10_000)
            #expect(try await client.errorCode(["sell": longID, "price": 0]) == "InvalidSellContractProposal")
            let next = try await client.object(DerivDefaults.multiplier())
            #expect((next["contract_id"] as? Int ?? 0) > shortID, "contract ids are never reused")
        }
    }
}
