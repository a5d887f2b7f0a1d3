import Foundation
import GrantSealing
import KafkaBridge
import NIOHTTP1
import Messages
import TestSupport
import Testing
import VenueKit

/// The CPlugin venue end to end: commands through Kafka, the auth-token-broker's OAuth grants, the executor's v2 REST
/// calls, and quotes from the SignalR hub onto `market.ticks`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CPluginOrderPathTests {
    @Test func aPlaceAndACloseAtTheCPluginVenueYieldReportsAndFills() async throws {
        try await withInfrastructure(cplugin: true) { stack in
            try await withExecutor(stack) { _ in
                let place = stack.command(venue: "cplugin-sim", symbol: "EURUSD", side: .sell, quantity: Decimal(string: "0.3"))
                try await stack.send(place)
                let placed = try #require(try await stack.finalReport(place.commandId))
                #expect(placed.status == .filled, "\(String(describing: placed.reason))")
                let ticket = try #require(placed.venueOrderId)
                let fills = stack.collector.fills(for: place.commandId)
                #expect(fills.count == 1)
                #expect(fills.first?.quantity == Decimal(string: "0.3"))
                #expect((fills.first?.price ?? 0) > 0)

                let orders = try await stack.admin(.GET, "/cplugin/orders") as? [[String: Any]] ?? []
                #expect(orders.count == 1)
                #expect(String(describing: orders.first?["ticket"] ?? "") == ticket)
                #expect(orders.first?["op"] as? String == "sell")

                // The executor's bearer token came from the broker's sealed grant.
                let grants = try stack.grants(venue: "cplugin-sim")
                #expect(!grants.isEmpty)
                if case .cplugin = grants.first?.material {} else { Issue.record("the grant carries a CPlugin bearer token") }

                let close = stack.command(.close, venue: "cplugin-sim", venueOrderId: ticket)
                try await stack.send(close)
                let closed = try #require(try await stack.finalReport(close.commandId))
                #expect(closed.status == .closed, "\(String(describing: closed.reason))")
                let after = try await stack.admin(.GET, "/cplugin/orders") as? [[String: Any]] ?? []
                #expect(after.first?["status"] as? String == "closed")

                // A venue refusal in the envelope becomes a rejected report with the venue's code.
                let tooBig = stack.command(venue: "cplugin-sim", symbol: "BTCUSD", side: .buy, quantity: 90)
                try await stack.send(tooBig)
                let refused = try #require(try await stack.finalReport(tooBig.commandId))
                #expect(refused.status == .rejected)
                #expect(refused.reason?.venueCode == "MT4Error/TradeNoMoney")
                #expect(!stack.logs.text.contains("sim-cplugin-secret"), "the client secret never reaches a log")
            }
        }
    }

    @Test func quotesFromTheHubReachMarketTicks() async throws {
        try await withInfrastructure(demoSymbols: ["BTCUSD"], cplugin: true) { stack in
            try await withTickPublisher(stack) { _, _ in
                let all: Set<String> = ["EURUSD", "USDJPY", "BTCUSD", "ETHUSD"]
                let streaming = try await eventually(timeout: .seconds(20)) {
                    Set(stack.ticks().filter { $0.venue == "cplugin-sim" }.map(\.symbol)) == all
                }
                #expect(streaming, "every configured CPlugin symbol reaches market.ticks")
                let eurusd = stack.ticks().filter { $0.key == "cplugin-sim:EURUSD" }
                #expect(eurusd.allSatisfy { $0.bid < $0.ask })
                #expect(eurusd.map(\.seq) == Array(1...Int64(eurusd.count)))
            }
        }
    }
}
