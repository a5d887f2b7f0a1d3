import Foundation
import Messages
import TestSupport
import Testing
import VenueDeriv
import VenueKit
import VenueSimulator

/// The Deriv protocol module against the simulator, over a real WebSocket.
@Suite(.timeLimit(.minutes(2)))
struct DerivClientTests {
    @Test func aMultiplierIsBoughtListedAndSoldAtMarket() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            let before = try await client.balance()
            let outcome = await client.place(stake("10", extensions: .object(["multiplier": .number(200)])))
            guard case .accepted(let ack) = outcome else {
                Issue.record("the buy should be accepted, got \(outcome)")
                return
            }
            #expect(ack.filledQuantity == 10, "the stake")
            #expect((ack.averagePrice ?? 0) > 0, "the entry spot, read with proposal_open_contract")
            #expect(try await client.balance() == before - 10)

            let booked = try #require(try await sim.orders().first)
            #expect(booked["ticket"] as? Int == Int(ack.venueOrderID))
            #expect(booked["op"] as? String == "buy")
            #expect(booked["amount"] as? String == "10")
            let buy = try #require(try sim.frames("buy").first)
            let parameters = try #require(buy["parameters"] as? [String: Any])
            #expect(parameters["contract_type"] as? String == "MULTUP")
            #expect(parameters["multiplier"] as? Int == 200)
            #expect(parameters["basis"] as? String == "stake")
            #expect((buy["passthrough"] as? [String: Any])?["client_order_id"] as? String == "d-1")
            #expect(buy["req_id"] is Int)

            let open = try await client.openOrders()
            #expect(open.map(\.venueOrderID) == [ack.venueOrderID])
            #expect(open.first?.side == .buy)
            #expect(open.first?.quantity == 10)

            guard case .accepted = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) else {
                Issue.record("the sell should be accepted")
                return
            }
            let sell = try #require(try sim.frames("sell").first)
            #expect(sell["price"] as? Int == 0, "sold at market")
            #expect(try await client.openOrders().isEmpty)
            #expect(try await sim.orders().first?["status"] as? String == "closed")
            guard case .rejected(let again) = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) else {
                Issue.record("a second sell must be refused")
                return
            }
            #expect(again.venueCode == "InvalidSellContractProposal")
        }
    }

    @Test func sellSideAndRiseFallChooseTheirContractTypes() async throws {
        try await withSimulator { sim in
            let client = try sim.client { $0.multipliers = ["R_75": 50] }
            defer { client.shutdown() }
            let down = await client.place(stake("5", on: "R_75", side: .sell, id: "d-down"))
            #expect(down.isCertain && { if case .accepted = down { true } else { false } }(), "\(down)")
            let call = await client.place(stake(
                "5", on: "R_10", extensions: .object([
                    "contract_type": .string("CALL"), "duration": .number(5), "duration_unit": .string("t"),
                ]), id: "d-call"))
            guard case .accepted = call else {
                Issue.record("CALL should be accepted, got \(call)")
                return
            }
            let types = try sim.frames("buy").compactMap { ($0["parameters"] as? [String: Any])?["contract_type"] as? String }
            #expect(types == ["MULTDOWN", "CALL"])
            let mismatched = await client.place(stake(
                "5", side: .sell, extensions: .object(["contract_type": .string("MULTUP")]), id: "d-x"))
            guard case .rejected(let reason) = mismatched else {
                Issue.record("a contract type against the side must be refused")
                return
            }
            #expect(reason.code == "invalid_extensions")
            #expect(try sim.frames("buy").count == 2, "refused before sending")
        }
    }

    @Test func ordersTheClientCannotExpressAreRefusedBeforeSending() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            var withStop = stake("10")
            withStop.stopLoss = 1_200
            for (request, code) in [
                (withStop, "unsupported_protection"), (stake("10.005"), "invalid_quantity"), (stake("0"), "invalid_quantity"),
                (stake("10", on: "BTCUSD"), "symbol_unknown"),
            ] {
                guard case .rejected(let reason) = await client.place(request) else {
                    Issue.record("\(request) must be refused")
                    continue
                }
                #expect(reason.code == code)
            }
            #expect(try sim.frames("buy").isEmpty)
        }
    }

    @Test func venueRefusalsAreCertainAndMapped() async throws {
        try await withSimulator(configure: { $0.deriv.startingBalance = 50 }) { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            guard case .rejected(let multiplier) = await client.place(stake("10", extensions: .object(["multiplier": .number(7)])))
            else {
                Issue.record("a multiplier the symbol does not offer must be refused")
                return
            }
            #expect(multiplier.code == "invalid_contract")
            #expect(multiplier.venueCode == "ContractBuyValidationError")
            guard case .rejected(let funds) = await client.place(stake("100")) else {
                Issue.record("a stake above the balance must be refused")
                return
            }
            #expect(funds.code == "insufficient_funds")
            #expect(funds.venueCode == "InsufficientBalance")
            #expect(try await sim.orders().isEmpty)
        }
    }

    @Test func aReadOnlyTokenListsButNeverTrades() async throws {
        try await withSimulator { sim in
            let client = try sim.client(token: SimTokens.readOnly)
            defer { client.shutdown() }
            #expect(try await client.openOrders().isEmpty)
            #expect(try await client.balance() > 0)
            guard case .rejected(let reason) = await client.place(stake("10")) else {
                Issue.record("a read-only token must not trade")
                return
            }
            #expect(reason.code == "permission_denied")
            #expect(try sim.frames("buy").isEmpty, "refused from the authorized scopes, before sending")
        }
    }

    @Test func aRefusedTokenIsUnauthorized() async throws {
        try await withSimulator { sim in
            let client = try sim.client(token: "not-a-token-of-this-venue")
            defer { client.shutdown() }
            guard case .rejected(let reason) = await client.place(stake("10")) else {
                Issue.record("an unknown token must be refused")
                return
            }
            #expect(reason.code == "unauthorized")
            await #expect(throws: VenueError.self) { try await client.balance() }
            #expect(try sim.frames("buy").isEmpty)
        }
    }

    @Test func anExpiredAuthorizationIsRenewedAndTheCallSentOnce() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            _ = try await client.balance()
            try await sim.setFaults(#"{"expireTokens": true}"#)
            guard case .accepted = await client.place(stake("10")) else {
                Issue.record("the buy should succeed after authorizing again")
                return
            }
            #expect(try sim.frames("authorize").count == 2)
            #expect(try await sim.orders().count == 1, "one contract")
        }
    }

    @Test func afterAReconnectTheSessionAuthorizesAgainBeforeTrading() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            _ = try await client.balance()
            try await sim.setFaults(#"{"dropWebSockets": true}"#)
            // The session notices, reconnects and authorizes again by itself, before any call needs it.
            #expect(try await eventually { try sim.frames("authorize").count == 2 })
            guard case .accepted = await client.place(stake("10")) else {
                Issue.record("the buy should succeed on the new connection")
                return
            }
            #expect(try sim.frames("authorize").count == 2, "authorized once on each connection")
        }
    }

    @Test func anUnansweredBuyIsInDoubtNeverResent() async throws {
        try await withSimulator { sim in
            let client = try sim.client { $0.requestTimeout = .seconds(2) }
            defer { client.shutdown() }
            _ = try await client.balance()
            try await sim.setFaults(#"{"hangOrders": true}"#)
            let outcome = await client.place(stake("10"))
            guard case .unknown(let reason) = outcome else {
                Issue.record("an unanswered buy must be unknown, got \(outcome)")
                return
            }
            #expect(reason.code == "no_answer")
            #expect(try sim.frames("buy").count == 1, "never resent")
            #expect(try await sim.orders().first?["responseWithheld"] as? Bool == true)
        }
    }

    @Test func theVenueRateLimitIsARejectionNotADoubt() async throws {
        try await withSimulator(configure: { $0.deriv.callsPerMinute = 2 }) { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            guard case .accepted = await client.place(stake("10", id: "d-a")) else {
                Issue.record("the first buy fits the budget")
                return
            }
            guard case .rejected(let reason) = await client.place(stake("10", id: "d-b")) else {
                Issue.record("the venue's rate limit must refuse the second buy")
                return
            }
            #expect(reason.code == "rate_limited")
            #expect(reason.venueCode == "RateLimit")
            #expect(try await sim.orders().count == 1)
        }
    }

    @Test func theSessionPingsSoTheVenueNeverCutsItForIdling() async throws {
        try await withSimulator(configure: { $0.deriv.idleTimeout = .seconds(5) }) { sim in
            let client = try sim.client { configuration in
                configuration.pingInterval = .milliseconds(250)
                configuration.silenceTimeout = .seconds(20)
            }
            defer { client.shutdown() }
            _ = try await client.balance()
            #expect(try await eventually { try sim.frames("ping").count >= 30 }, "pings while idle for 30 intervals")
            _ = try await client.balance()
            #expect(try await sim.status()["idleClosures"] == 0)
            #expect(try sim.frames("authorize").count == 1, "one connection throughout")
        }
    }
}
