import EmbeddedKafka
import Foundation
import KafkaBridge
import Logging
import Messages
import ServiceRuntime
import Synchronization
import TestSupport
import Testing
import TickPublisherCore

/// Runs a tick-publisher core while `body` runs.
func withTickPublisher(
    _ stack: Infrastructure, staleAfter: Duration = .seconds(1), _ body: (ServiceMetrics, HealthBoard) async throws -> Void
) async throws {
    let logger = stack.logs.logger("tick-publisher", level: .info)
    var configuration = TickPublisherConfiguration(
        venues: stack.venues, instanceID: "ticks-test", bootstrapServers: [stack.kafka.bootstrapServers])
    configuration.staleAfter = staleAfter
    let metrics = ServiceMetrics()
    let health = HealthBoard()
    let services = try TickPublisher.makeServices(
        configuration: configuration, sealer: sealer,
        producer: try KafkaProducer(configuration: configuration.producer, logger: logger), metrics: metrics,
        health: health, logger: logger)
    try await withRunningServices(services, logger: logger) { try await body(metrics, health) }
}

extension Infrastructure {
    func ticks() -> [Tick] {
        self.collector.on(TopicCatalogue.marketTicks).compactMap { try? WireFormat.decode(Tick.self, from: $0.value) }
    }

    func statuses(_ venue: String) -> [VenueStatus] {
        self.collector.on(TopicCatalogue.venuesStatus).compactMap { try? WireFormat.decode(VenueStatus.self, from: $0.value) }
            .filter { $0.venue == venue }
    }

    func subscription(_ action: SubscriptionAction, venue: String, _ symbols: [String]) async throws {
        let command = MarketSubscription(
            commandId: UUID(), action: action, venue: venue, symbols: symbols, operator: "tester", issuedAt: .now())
        try await self.sendRaw(key: venue, value: try WireFormat.encode(command), topic: TopicCatalogue.marketSubscriptions)
    }
}

@Suite(.serialized, .timeLimit(.minutes(3)))
struct TickPublisherTests {
    @Test func ticksFlowWithIncreasingSequenceNumbersPerKeyAndAConnectedStatus() async throws {
        try await withInfrastructure(demoSymbols: ["BTCUSD", "ETHUSD"]) { stack in
            try await withTickPublisher(stack) { metrics, health in
                #expect(try await eventually(timeout: .seconds(20)) {
                    Set(stack.ticks().filter { $0.venue == "mt4-demo" }.map(\.symbol)) == ["BTCUSD", "ETHUSD"]
                        && stack.ticks().filter { $0.key == "mt4-demo:BTCUSD" }.count >= 10
                })
                for key in ["mt4-demo:BTCUSD", "mt4-demo:ETHUSD"] {
                    let records = stack.collector.on(TopicCatalogue.marketTicks).filter { $0.keyString == key }
                    let ticks = records.compactMap { try? WireFormat.decode(Tick.self, from: $0.value) }
                    #expect(ticks.count == records.count, "every tick record decodes")
                    let seqs = ticks.map(\.seq)
                    #expect(seqs == Array(1...Int64(seqs.count)), "\(key): 1, 2, 3… without gaps: \(seqs.prefix(20))")
                    #expect(ticks.allSatisfy { $0.bid > 0 && $0.ask >= $0.bid && $0.receivedAt >= $0.venueTime })
                }
                // The mt4-ava feed (no symbols configured) streams every symbol its broker publishes.
                #expect(try await eventually(timeout: .seconds(30)) {
                    Set(stack.ticks().filter { $0.venue == "mt4-ava" }.map(\.symbol)).count == 7
                })
                #expect(try await eventually { stack.statuses("mt4-demo").last?.status == .connected })
                #expect(try await eventually { health.isHealthy })
                #expect(metrics.render().contains(#"tradewire_ticks_total{venue="mt4-demo"}"#))
                // Raw bytes on Kafka: decimals as strings.
                let raw = String(decoding: try #require(stack.collector.on(TopicCatalogue.marketTicks).first?.value), as: UTF8.self)
                #expect(raw.range(of: #""bid":"[0-9]+(\.[0-9]+)?""#, options: .regularExpression) != nil, "\(raw)")
            }
        }
    }

    @Test func aDroppedVenueSocketResumesWithAStaleAndRecoveredStatus() async throws {
        try await withInfrastructure(demoSymbols: ["BTCUSD"]) { stack in
            try await withTickPublisher(stack) { _, _ in
                #expect(try await eventually(timeout: .seconds(20)) { stack.statuses("mt4-demo").last?.status == .connected })
                let before = stack.ticks().filter { $0.key == "mt4-demo:BTCUSD" }.count
                let statusesBefore = stack.statuses("mt4-demo").count
                try await stack.faults(#"{"dropWebSockets": true}"#)
                let resumed = try await eventually(timeout: .seconds(20), interval: .milliseconds(10)) {
                    stack.ticks().filter { $0.key == "mt4-demo:BTCUSD" }.count > before + 1
                }
                #expect(resumed, "ticks resume after the drop")
                #expect(try await eventually(timeout: .seconds(20)) {
                    let after = stack.statuses("mt4-demo").dropFirst(statusesBefore).map(\.status)
                    return after.count >= 2 && after.first != .connected && after.last == .connected
                })
                let after = Array(stack.statuses("mt4-demo").dropFirst(statusesBefore))
                #expect(after.first?.reason?.code == "stream_down", "\(after)")
                #expect(after.last?.reason?.code == "feed_recovered", "\(after)")
                // Sequence numbers continue across the reconnect.
                let seqs = stack.ticks().filter { $0.key == "mt4-demo:BTCUSD" }.map(\.seq)
                #expect(seqs == Array(1...Int64(seqs.count)))
            }
        }
    }

    @Test func symbolsAreSubscribedAndUnsubscribedAtRunTime() async throws {
        try await withInfrastructure(demoSymbols: ["BTCUSD"]) { stack in
            try await withTickPublisher(stack) { _, _ in
                #expect(try await eventually(timeout: .seconds(20)) { stack.ticks().contains { $0.key == "mt4-demo:BTCUSD" } })
                #expect(!stack.ticks().contains { $0.key == "mt4-demo:XRPUSD" })
                // Quote-only symbols stream too.
                try await stack.subscription(.subscribe, venue: "mt4-demo", ["XRPUSD"])
                #expect(try await eventually(timeout: .seconds(30)) { stack.ticks().contains { $0.key == "mt4-demo:XRPUSD" } })
                try await stack.subscription(.unsubscribe, venue: "mt4-demo", ["BTCUSD"])
                // Once unsubscribed (a tick may be in flight), BTCUSD stops while XRPUSD goes on. No fixed windows: the
                // machine may be loaded; BTCUSD must stay still while XRPUSD (same 50 ms cadence) gains several ticks.
                func count(_ key: String) -> Int { stack.ticks().filter { $0.key == key }.count }
                let quiet = try await eventually(timeout: .seconds(20), interval: .milliseconds(1)) {
                    let before = count("mt4-demo:BTCUSD")
                    try await Task.sleep(for: .milliseconds(500))
                    return count("mt4-demo:BTCUSD") == before
                }
                #expect(quiet, "BTCUSD ticks stop after the unsubscribe")
                let (btc, xrp) = (count("mt4-demo:BTCUSD"), count("mt4-demo:XRPUSD"))
                let xrpGoesOn = try await eventually(timeout: .seconds(20)) { count("mt4-demo:XRPUSD") > xrp + 5 }
                #expect(xrpGoesOn, "XRPUSD goes on")
                #expect(count("mt4-demo:BTCUSD") == btc, "no BTCUSD tick after the unsubscribe")
                #expect(stack.statuses("mt4-demo").last?.status == .connected)
            }
        }
    }
}
