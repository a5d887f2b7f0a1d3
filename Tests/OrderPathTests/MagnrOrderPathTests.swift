import Foundation
import GrantSealing
import KafkaBridge
import Messages
import NIOHTTP1
import ServiceRuntime
import TestSupport
import Testing
import VenueKit

/// The Magnr venue end to end: the broker hands the key pair (sealed) to the executor, which signs every request.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct MagnrOrderPathTests {
    @Test func aTradeAndItsLiquidationAtMagnrYieldReportsAndFills() async throws {
        try await withInfrastructure(magnr: true) { stack in
            try await withExecutor(stack) { _ in
                let place = stack.command(venue: "magnr-sim", symbol: "BTCUSD", side: .buy, quantity: Decimal(string: "0.5"))
                try await stack.send(place)
                let placed = try #require(try await stack.finalReport(place.commandId))
                #expect(placed.status == .filled, "\(String(describing: placed.reason))")
                let id = try #require(placed.venueOrderId)
                let fills = stack.collector.fills(for: place.commandId)
                #expect(fills.count == 1)
                #expect(fills.first?.quantity == Decimal(string: "0.5"))

                let grants = try stack.grants(venue: "magnr-sim")
                if case .magnr(let publicKey, _) = grants.first?.material {
                    #expect(publicKey == "sim-magnr-pub")
                } else {
                    Issue.record("the grant carries the Magnr key pair")
                }
                #expect(grants.first?.expiresAt == nil, "Magnr keys do not expire")

                let close = stack.command(.close, venue: "magnr-sim", venueOrderId: id)
                try await stack.send(close)
                let closed = try #require(try await stack.finalReport(close.commandId))
                #expect(closed.status == .closed, "\(String(describing: closed.reason))")
                #expect(try await eventually {
                    let orders = try await stack.admin(.GET, "/magnr/orders") as? [[String: Any]] ?? []
                    return ["closed", "settled"].contains(orders.first?["status"] as? String ?? "")
                })
                #expect(!stack.logs.text.contains("sim-magnr-priv"), "the private key never reaches a log")
                let raw = stack.collector.all.map { String(decoding: $0.value, as: UTF8.self) }.joined()
                #expect(!raw.contains("sim-magnr-priv"), "nor Kafka unsealed")
            }
        }
    }

    @Test func theTickPublisherSkipsAVenueWithoutQuotes() async throws {
        try await withInfrastructure(demoSymbols: ["BTCUSD"], magnr: true) { stack in
            try await withTickPublisher(stack) { _, health in
                let streaming = try await eventually {
                    health.isHealthy && !stack.ticks().filter { $0.venue == "mt4-demo" }.isEmpty
                }
                #expect(streaming, "healthy and streaming the venues with quotes")
                #expect(stack.ticks().allSatisfy { $0.venue != "magnr-sim" })
                #expect(stack.statuses("magnr-sim").isEmpty, "no feed, so no stale status either")
            }
        }
    }
}
