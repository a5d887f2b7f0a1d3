import Foundation
import GrantSealing
import KafkaBridge
import Messages
import NIOHTTP1
import ServiceRuntime
import TestSupport
import Testing
import VenueKit

/// The Deriv venue end to end: the broker verifies the API token (authorize) and grants it sealed; the executor buys
/// and sells contracts over its own WebSocket session; the tick-publisher streams Deriv ticks.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DerivOrderPathTests {
    @Test func aMultiplierAndItsSaleAtDerivYieldReportsAndAFill() async throws {
        try await withInfrastructure(deriv: true) { stack in
            try await withExecutor(stack) { _ in
                var place = stack.command(venue: "deriv-sim", symbol: "R_100", side: .buy, quantity: Decimal(string: "25"))
                place.extensions = [.deriv: .object(["multiplier": .number(200), "take_profit": .string("40")])]
                try await stack.send(place)
                let placed = try #require(try await stack.finalReport(place.commandId))
                #expect(placed.status == .filled, "\(String(describing: placed.reason))")
                let id = try #require(placed.venueOrderId)
                let fills = stack.collector.fills(for: place.commandId)
                #expect(fills.count == 1)
                #expect(fills.first?.quantity == 25, "the stake")
                #expect((fills.first?.price ?? 0) > 0, "at the entry spot")

                let grants = try stack.grants(venue: "deriv-sim")
                guard case .deriv(let token)? = grants.first?.material else {
                    Issue.record("the grant carries the Deriv API token")
                    return
                }
                #expect(token.value == "sim-deriv-token")
                #expect(grants.first?.expiresAt == nil, "Deriv API tokens do not expire")

                let contracts = try await stack.admin(.GET, "/deriv/orders") as? [[String: Any]] ?? []
                #expect(contracts.count == 1)
                #expect(contracts.first?["ticket"] as? Int == Int(id))

                let close = stack.command(.close, venue: "deriv-sim", venueOrderId: id)
                try await stack.send(close)
                let closed = try #require(try await stack.finalReport(close.commandId))
                #expect(closed.status == .closed, "\(String(describing: closed.reason))")
                let after = try await stack.admin(.GET, "/deriv/orders") as? [[String: Any]] ?? []
                #expect(after.first?["status"] as? String == "closed")
                #expect(!stack.logs.text.contains("sim-deriv-token"), "the API token never reaches a log")
                let raw = stack.collector.all.map { String(decoding: $0.value, as: UTF8.self) }.joined()
                #expect(!raw.contains("sim-deriv-token"), "nor Kafka unsealed")
            }
        }
    }

    @Test func aContractTheVenueRefusesIsRejectedWithTheVenuesCode() async throws {
        try await withInfrastructure(deriv: true) { stack in
            try await withExecutor(stack) { _ in
                var place = stack.command(venue: "deriv-sim", symbol: "R_50", side: .sell, quantity: Decimal(string: "10"))
                place.extensions = [.deriv: .object(["multiplier": .number(3)])]
                try await stack.send(place)
                let report = try #require(try await stack.finalReport(place.commandId))
                #expect(report.status == .rejected)
                #expect(report.reason?.code == "invalid_contract")
                #expect(report.reason?.venueCode == "ContractBuyValidationError")
                let contracts = try await stack.admin(.GET, "/deriv/orders") as? [[String: Any]] ?? []
                #expect(contracts.isEmpty)
            }
        }
    }

    @Test func theTickPublisherStreamsDerivTicks() async throws {
        try await withInfrastructure(demoSymbols: ["BTCUSD"], deriv: true) { stack in
            try await withTickPublisher(stack, staleAfter: .seconds(5)) { _, _ in
                let streaming = try await eventually {
                    Set(stack.ticks().filter { $0.venue == "deriv-sim" }.map(\.symbol)) == ["R_10", "R_50", "R_100", "frxEURUSD"]
                }
                #expect(streaming, "every configured Deriv symbol")
                let ticks = stack.ticks().filter { $0.venue == "deriv-sim" && $0.symbol == "R_100" }
                try #require(!ticks.isEmpty)
                #expect(ticks.map(\.seq) == Array(1...Int64(ticks.count)), "per-key sequence without gaps")
                #expect(ticks.allSatisfy { $0.bid > 0 && $0.ask >= $0.bid })
                #expect(try await eventually { stack.statuses("deriv-sim").contains { $0.status == .connected } })
            }
        }
    }
}
