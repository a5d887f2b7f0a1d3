import Foundation
import Messages
import NIOHTTP1
import TestSupport
import Testing
import VenueKit
import VenueMagnr
import VenueSimulator

/// The Magnr protocol module against the simulator, over sockets.
@Suite(.timeLimit(.minutes(3)))
struct MagnrClientTests {
    @Test func aTradeIsFilledListedAndLiquidated() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            let outcome = await client.place(VenuePlaceRequest(
                clientOrderID: "m-1", symbol: "BTCUSD", side: .buy, quantity: Decimal(string: "0.5")!,
                extensions: .object(["exchange": .string("LOCAL"), "leverage": .number(5), "take": .string("250")])))
            guard case .accepted(let ack) = outcome else {
                Issue.record("the trade should be accepted, got \(outcome)")
                return
            }
            #expect(ack.filledQuantity == Decimal(string: "0.5"), "watched until open: filled")
            #expect((ack.averagePrice ?? 0) > 1_000)

            let booked = try #require(try await sim.adminList("orders").first)
            #expect(booked["broker"] as? String == "LOCAL")
            #expect(booked["amount"] as? String == "0.5")

            let open = try await client.openOrders()
            #expect(open.map(\.venueOrderID) == [ack.venueOrderID])
            #expect(open.first?.side == .buy)

            guard case .accepted(let closed) = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) else {
                Issue.record("the liquidation should be accepted")
                return
            }
            #expect((closed.averagePrice ?? 0) > 1_000, "the close price, once the trade is closed")
            #expect(try await client.openOrders().isEmpty)
            #expect(try await eventually {
                try await sim.adminList("orders").first?["status"] as? String == "settled"
            })
            #expect(try await sim.status()["tonceRejections"] == 0)
            #expect(try await sim.status()["signatureRejections"] == 0)
        }
    }

    @Test func concurrentOrdersNeverShareOrReorderATonce() async throws {
        try await withSimulator { sim in
            let client = try sim.client { $0.fillWait = .zero }
            let outcomes = await withTaskGroup(of: VenueOrderOutcome.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        await client.place(VenuePlaceRequest(
                            clientOrderID: "m-c\(index)", symbol: "BTCUSD", side: index % 2 == 0 ? .buy : .sell,
                            quantity: Decimal(string: "0.1")!))
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let ids = outcomes.compactMap { outcome -> String? in
                if case .accepted(let ack) = outcome { return ack.venueOrderID }
                return nil
            }
            #expect(ids.count == 12, "every order accepted: \(outcomes)")
            #expect(Set(ids).count == 12)
            let tonces = try #require(sim.simulator.magnr).acceptedTonces()
            #expect(tonces.count == 12)
            #expect(tonces == tonces.sorted() && Set(tonces).count == tonces.count, "strictly increasing on arrival")
            #expect(try await sim.status()["tonceRejections"] == 0, "the venue never saw a repeated or lower tonce")
        }
    }

    @Test func aReplayedRequestIsRefusedByTheVenue() async throws {
        try await withSimulator { sim in
            let tonce = Int64(Date().timeIntervalSince1970 * 1000)
            let body = #"{"side":"sell","size":0.2,"exchange":"Bitstamp","pair":"BTCUSD"}"#
            let headers = [
                ("Tonce", String(tonce)), ("Content-Type", "application/json"),
                ("Authorization", MagnrSignature.authorization(
                    tonce: tonce, publicKey: SimKeys.publicKey, privateKey: SimKeys.privateKey, body: Array(body.utf8))),
            ]
            let (first, _) = try await sim.raw(.POST, "/api/v1/trades/", headers: headers, body: body)
            #expect(first == 201)
            let (again, text) = try await sim.raw(.POST, "/api/v1/trades/", headers: headers, body: body)
            #expect(again == 400)
            #expect(text.contains("Tonce"))
            #expect(try await sim.adminList("orders").count == 1, "the replay traded nothing")
            #expect(try await sim.status()["tonceRejections"] == 1)

            // The client's own source is ahead of the replayed tonce: its next request is accepted.
            let client = try sim.client()
            #expect(try await client.openOrders().count == 1)
        }
    }

    @Test func aLiquidationWhileThePositionIsPendingIsRetriedUntilItIsOpen() async throws {
        try await withSimulator(configure: { $0.magnr.fillDelay = .milliseconds(1_500) }) { sim in
            let client = try sim.client { $0.fillWait = .zero }
            guard case .accepted(let ack) = await client.place(VenuePlaceRequest(
                clientOrderID: "m-p", symbol: "BTCUSD", side: .sell, quantity: Decimal(string: "0.3")!))
            else {
                Issue.record("the trade should be accepted")
                return
            }
            #expect(ack.filledQuantity == nil, "still pending: accepted, not yet filled")
            let outcome = await client.close(venueOrderID: ack.venueOrderID, quantity: nil)
            guard case .accepted = outcome else {
                Issue.record("the liquidation should succeed once the trade is open, got \(outcome)")
                return
            }
            let deletes = try await sim.requests(matching: "/trades/\(ack.venueOrderID)/", method: "DELETE")
            #expect(deletes.count >= 2)
            #expect(deletes.first?["status"] as? Int == 409, "refused while pending")
            #expect(deletes.last?["status"] as? Int == 200)
        }
    }

    @Test func refusalsAreMappedAndNothingIsResentBlindly() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            func rejected(_ request: VenuePlaceRequest) async -> Reason? {
                let outcome = await client.place(request)
                if case .rejected(let reason) = outcome { return reason }
                Issue.record("\(request.clientOrderID) should be rejected, got \(outcome)")
                return nil
            }
            // The pair is not offered by that exchange: the venue's 400.
            let wrongPair = await rejected(VenuePlaceRequest(
                clientOrderID: "m-x", symbol: "XBTUSD", side: .buy, quantity: 1, extensions: .object(["exchange": .string("Bitstamp")])))
            #expect(wrongPair?.code == "invalid_request")
            #expect(wrongPair?.venueCode == "400")
            // A deposit larger than the balance: the venue's 409.
            let tooLarge = await rejected(VenuePlaceRequest(clientOrderID: "m-f", symbol: "BTCUSD", side: .buy, quantity: 500))
            #expect(tooLarge?.code == "conflict")
            #expect(tooLarge?.venueCode == "409")
            // Refused before sending: a leverage Magnr does not offer, an unknown pair.
            let leverage = await rejected(VenuePlaceRequest(
                clientOrderID: "m-l", symbol: "BTCUSD", side: .buy, quantity: 1, extensions: .object(["leverage": .number(3)])))
            #expect(leverage?.code == "invalid_extensions")
            let pair = await rejected(VenuePlaceRequest(clientOrderID: "m-e", symbol: "ETHUSD", side: .buy, quantity: 1))
            #expect(pair?.code == "symbol_unknown")
            #expect(try await sim.requests(matching: "/trades/", method: "POST").count == 2)

            // An answer that never comes: unknown, sent once.
            try await sim.setFaults(#"{"hangOrders": true}"#)
            let slow = try sim.client { $0.requestTimeout = .milliseconds(700) }
            let outcome = await slow.place(VenuePlaceRequest(clientOrderID: "m-h", symbol: "BTCUSD", side: .buy, quantity: 1))
            guard case .unknown = outcome else {
                Issue.record("a lost answer is unknown, got \(outcome)")
                return
            }
            #expect(try await sim.requests(matching: "/trades/", method: "POST").count == 3)
        }
    }

    @Test func aWrongPrivateKeyIsUnauthorizedAndTheCapabilitiesSayWhatMagnrLacks() async throws {
        try await withSimulator { sim in
            let client = try sim.client(privateKey: "not-the-key")
            let outcome = await client.place(VenuePlaceRequest(clientOrderID: "m-k", symbol: "BTCUSD", side: .buy, quantity: 1))
            guard case .rejected(let reason) = outcome else {
                Issue.record("a bad signature must be rejected, got \(outcome)")
                return
            }
            #expect(reason.code == "unauthorized")
            #expect(!reason.message.contains("not-the-key"))
            #expect(try await sim.adminList("orders").isEmpty)
            #expect(try await sim.status()["signatureRejections"] ?? 0 >= 1)

            #expect(!client.capabilities.hasBalance && !client.capabilities.hasTicks)
            await #expect(throws: VenueError.self) { _ = try await client.balance() }
            var quotes = client.marketEvents(for: ["BTCUSD"]).makeAsyncIterator()
            await #expect(throws: VenueError.self) { _ = try await quotes.next() }
        }
    }
}
