import Foundation
import GrantSealing
import KafkaBridge
import Logging
import Messages
import NIOHTTP1
import ServiceRuntime
import ServiceSupport
import TestSupport
import Testing
import VenueCTrader
import VenueKit
import VenueSimulator

/// The cTrader venue end to end: the auth-token-broker alone refreshes the account's access token with the
/// single-use refresh token (and stores its successor durably); the executor and the tick-publisher authenticate the
/// application and the account with the grant, and carry on when the broker rotates the tokens.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CTraderOrderPathTests {
    static let secrets = ["sim-ctrader-secret", "sim-ctrader-refresh", "sim-ctrader-access"]

    @Test func aMarketOrderAndItsCloseAtCTraderYieldReportsAndAFill() async throws {
        try await withInfrastructure(ctrader: true) { stack in
            try await withExecutor(stack) { _ in
                let place = stack.command(venue: "ctrader-sim", symbol: "EURUSD", side: .buy, quantity: 1000)
                try await stack.send(place)
                let placed = try #require(try await stack.finalReport(place.commandId))
                #expect(placed.status == .filled, "\(String(describing: placed.reason))")
                let id = try #require(placed.venueOrderId)
                let fills = stack.collector.fills(for: place.commandId)
                #expect(fills.count == 1)
                #expect(fills.first?.quantity == 1000, "units (volume 100000 in cents of units)")
                #expect((fills.first?.price ?? 0) > 1)

                let grants = try stack.grants(venue: "ctrader-sim")
                guard case .ctrader(let clientID, _, _, let accountID)? = grants.first?.material else {
                    Issue.record("the grant carries the cTrader credentials")
                    return
                }
                #expect(clientID == "sim-ctrader-client")
                #expect(accountID == 1_000_001)
                #expect((grants.first?.expiresAt?.timeIntervalSinceNow ?? 0) > 86_400 * 29, "about 30 days")

                let positions = try await stack.admin(.GET, "/ctrader/orders") as? [[String: Any]] ?? []
                #expect(positions.count == 1)
                #expect(positions.first?["ticket"] as? Int == Int(id))
                #expect(positions.first?["reference"] as? String == "tw:\(place.commandId.uuidString.lowercased())",
                    "the commandId travels in the order comment")

                let close = stack.command(.close, venue: "ctrader-sim", venueOrderId: id)
                try await stack.send(close)
                let closed = try #require(try await stack.finalReport(close.commandId))
                #expect(closed.status == .closed, "\(String(describing: closed.reason))")
                let after = try await stack.admin(.GET, "/ctrader/orders") as? [[String: Any]] ?? []
                #expect(after.first?["status"] as? String == "closed")

                let raw = stack.collector.all.map { String(decoding: $0.value, as: UTF8.self) }.joined()
                for secret in Self.secrets {
                    #expect(!stack.logs.text.contains(secret), "no secret in a log")
                    #expect(!raw.contains(secret), "nor in Kafka unsealed")
                }
            }
        }
    }

    @Test func aPendingOrderIsPlacedAndCancelled() async throws {
        try await withInfrastructure(ctrader: true) { stack in
            try await withExecutor(stack) { _ in
                var place = stack.command(venue: "ctrader-sim", symbol: "XAUUSD", side: .buy, quantity: 2)
                place.orderType = .limit
                place.limitPrice = 1000
                try await stack.send(place)
                let placed = try #require(try await stack.finalReport(place.commandId))
                #expect(placed.status == .accepted, "a resting limit order: \(String(describing: placed.reason))")
                let id = try #require(placed.venueOrderId)
                let cancel = stack.command(.cancel, venue: "ctrader-sim", venueOrderId: id)
                try await stack.send(cancel)
                let cancelled = try #require(try await stack.finalReport(cancel.commandId))
                #expect(cancelled.status == .cancelled, "\(String(describing: cancelled.reason))")
            }
        }
    }

    @Test func theBrokerRotatesTheRefreshTokenAndTheServicesCarryOn() async throws {
        try await withInfrastructure(demoSymbols: ["BTCUSD"], ctrader: true) { stack in
            let venue = try #require(stack.simulator.ctrader)
            try await withExecutor(stack) { _ in
                try await withTickPublisher(stack, staleAfter: .seconds(10)) { _, _ in
                    let first = stack.command(venue: "ctrader-sim", symbol: "GBPUSD", side: .sell, quantity: 1000)
                    try await stack.send(first)
                    #expect(try #require(try await stack.finalReport(first.commandId)).status == .filled)
                    #expect(try await eventually { !stack.ticks().filter { $0.venue == "ctrader-sim" }.isEmpty })

                    // The broker's first grant spent the configured refresh token; its successor is on disk.
                    let before = venue.currentRefreshToken()
                    #expect(before != "sim-ctrader-refresh")
                    #expect(try Self.storedRefreshToken(stack) == before)

                    let request = TokenRefreshRequest(
                        requestId: UUID(), venue: "ctrader-sim", reason: .operator, requestedBy: "e2e-test", requestedAt: .now())
                    try await stack.sendRaw(
                        key: "ctrader-sim", value: try WireFormat.encode(request), topic: TopicCatalogue.authRefreshRequests)
                    #expect(try await eventually { try stack.grants(venue: "ctrader-sim").count == 2 }, "a refreshed grant")
                    let after = venue.currentRefreshToken()
                    #expect(after != before)
                    #expect(try Self.storedRefreshToken(stack) == after, "the successor was stored before the grant")

                    // The spent refresh token is dead.
                    await #expect(throws: VenueError.self) {
                        _ = try await CTraderLogin.refresh(
                            configuration: CTraderConfiguration(endpoint: try Self.endpoint(stack), accountID: 1_000_001),
                            clientID: "sim-ctrader-client", clientSecret: VenueSecret("sim-ctrader-secret"),
                            refreshToken: VenueSecret(before), logger: Logger(label: "e2e"))
                    }

                    // Executor and tick-publisher re-authenticated with the new grant: no order fails, ticks go on.
                    let ticks = stack.ticks().filter { $0.venue == "ctrader-sim" }.count
                    let second = stack.command(venue: "ctrader-sim", symbol: "GBPUSD", side: .buy, quantity: 1000)
                    try await stack.send(second)
                    let report = try #require(try await stack.finalReport(second.commandId))
                    #expect(report.status == .filled, "\(String(describing: report.reason))")
                    #expect(try await eventually { stack.ticks().filter { $0.venue == "ctrader-sim" }.count > ticks + 5 })
                    let failed = stack.collector.on(TopicCatalogue.authEvents)
                        .compactMap { try? WireFormat.decode(AuthEvent.self, from: $0.value) }
                        .filter { $0.venue == "ctrader-sim" && ($0.kind == .failedRevoked || $0.kind == .failedTransient) }
                    #expect(failed.isEmpty, "no failed login: \(failed.map(\.kind))")
                    #expect(try await stack.admin(.GET, "/ctrader/status") as? [String: Int] != nil)
                }
            }
        }
    }

    static func storedRefreshToken(_ stack: Infrastructure) throws -> String? {
        let data = try Data(contentsOf: stack.stateDirectory.appendingPathComponent("ctrader-ctrader-sim.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["refreshToken"] as? String
    }

    static func endpoint(_ stack: Infrastructure) throws -> URL {
        try #require(stack.venues.venue("ctrader-sim")?.endpoint)
    }
}
