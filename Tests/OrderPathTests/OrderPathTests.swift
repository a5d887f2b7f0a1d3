import Foundation
import KafkaBridge
import Messages
import OrderExecutorCore
import ServiceRuntime
import TestSupport
import Testing
import VenueKit

/// End to end on MT4Server: the embedded Kafka broker over TCP, the venue simulator over HTTP, the auth-token-broker
/// and the order-executor cores as the executables run them.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OrderPathTests {
    @Test func aPlacedOrderIsFilledWithAFillThenClosedAndTheMetricsShowIt() async throws {
        try await withInfrastructure { stack in
            try await withExecutor(stack) { executor in
                let place = stack.command(quantity: Decimal(string: "0.11"))
                try await stack.send(place)
                let filled = try #require(try await stack.finalReport(place.commandId))
                #expect(filled.status == .filled)
                #expect(filled.filledQuantity == Decimal(string: "0.11"))
                let ticket = try #require(filled.venueOrderId)
                let price = try #require(filled.averagePrice)
                // Latency is visible per order: received → sent → acknowledged → reported.
                let sentAt = try #require(filled.sentAt)
                let ackedAt = try #require(filled.ackedAt)
                #expect(filled.receivedAt <= sentAt && sentAt <= ackedAt && ackedAt <= filled.reportedAt)
                #expect(stack.collector.reports(for: place.commandId).filter(\.isFinal).count == 1)

                #expect(try await eventually { stack.collector.fills(for: place.commandId).count == 1 })
                let fill = try #require(stack.collector.fills(for: place.commandId).first)
                #expect(fill.venueOrderId == ticket && fill.quantity == Decimal(string: "0.11") && fill.price == price)
                #expect(fill.side == .buy && fill.symbol == "BTCUSD")

                let orders = try await stack.simulatorOrders()
                #expect(orders.count == 1)
                #expect((orders.first?["ticket"] as? Int).map(String.init) == ticket)
                #expect(orders.first?["amount"] as? String == "0.11")

                let close = stack.command(.close, venueOrderId: ticket)
                try await stack.send(close)
                let closed = try #require(try await stack.finalReport(close.commandId))
                #expect(closed.status == .closed && closed.venueOrderId == ticket)
                #expect(try await stack.simulatorOrders().first?["status"] as? String == "closed")

                let (status, health) = try await operations(executor, "/health")
                #expect(status == 200 && health.contains(#""status":"ok""#))
                let (_, metrics) = try await operations(executor, "/metrics")
                #expect(metrics.contains(#"tradewire_orders_total{venue="mt4-demo",outcome="filled"} 1"#))
                #expect(metrics.contains(#"tradewire_orders_total{venue="mt4-demo",outcome="closed"} 1"#))
                #expect(metrics.contains(#"tradewire_order_latency_seconds_count{venue="mt4-demo",stage="venue"} 2"#))
                #expect(metrics.contains(#"tradewire_grant_age_seconds{venue="mt4-demo"}"#))
            }
        }
    }

    @Test func unreadableCommandsAreDeadLetteredWithThePreciseReasonAndTheServiceGoesOn() async throws {
        try await withInfrastructure { stack in
            try await withExecutor(stack) { _ in
                let valid = try WireFormat.encode(stack.command())
                func edited(_ edit: (inout [String: Any]) -> Void) throws -> Data {
                    var object = try JSONSerialization.jsonObject(with: valid) as! [String: Any]
                    object["commandId"] = UUID().uuidString.lowercased()
                    edit(&object)
                    return try JSONSerialization.data(withJSONObject: object)
                }
                let cases: [(name: String, key: String, value: Data, code: String)] = [
                    ("malformed JSON", "mt4-demo", Data(#"{"schema":"order-command/v1","commandId":"#.utf8), "malformed_json"),
                    ("unknown field", "mt4-demo", try edited { $0["stopLos"] = "1.05" }, "unknown_field"),
                    ("float quantity", "mt4-demo", try edited { $0["quantity"] = 0.11 }, "wrong_type"),
                    ("unknown venue", "nowhere", try edited { $0["venue"] = "nowhere" }, "unknown_venue"),
                    ("unknown major version", "mt4-demo", try edited { $0["schema"] = "order-command/v9" }, "unsupported_schema"),
                ]
                for item in cases { try await stack.sendRaw(key: item.key, value: item.value) }
                // The service goes on: a valid command after them is executed.
                let after = stack.command()
                try await stack.send(after)
                #expect(try await stack.finalReport(after.commandId)?.status == .filled)

                #expect(try await eventually(timeout: .seconds(30)) { stack.collector.deadLetters().count >= cases.count })
                let letters = stack.collector.deadLetters()
                #expect(letters.count == cases.count)
                for item in cases {
                    let letter = letters.first { $0.payload == item.value }
                    #expect(letter?.error.code == item.code, "\(item.name): \(String(describing: letter?.error))")
                    #expect(letter?.original.topic == TopicCatalogue.ordersCommands.name)
                    #expect(letter?.service == "order-executor")
                }
                // Where the commandId is readable, the upstream also gets a rejected report.
                let unknownVenue = try #require(letters.first { $0.error.code == "unknown_venue" })
                let unknownVenueCommand = try #require(unknownVenue.commandId)
                let rejected = try #require(try await stack.finalReport(unknownVenueCommand))
                #expect(rejected.status == .rejected && rejected.reason?.code == "unknown_venue")
                #expect(try await stack.simulatorOrders().count == 1, "only the valid command reached the venue")
            }
        }
    }

    @Test func aRepeatedCommandIdIsExecutedOnceAlsoAcrossAnExecutorRestart() async throws {
        try await withInfrastructure { stack in
            let command = stack.command()
            try await withExecutor(stack, instanceID: "e2e-first") { _ in
                try await stack.send(command)
                try await stack.send(command)
                #expect(try await stack.finalReport(command.commandId)?.status == .filled)
                // A later command on the same venue (same partition) proves the duplicate was read.
                let marker = stack.command(symbol: "ETHUSD")
                try await stack.send(marker)
                #expect(try await stack.finalReport(marker.commandId)?.status == .filled)
            }
            try await withExecutor(stack, instanceID: "e2e-second") { _ in
                try await stack.send(command)
                let marker = stack.command(symbol: "ETHUSD")
                try await stack.send(marker)
                #expect(try await stack.finalReport(marker.commandId)?.status == .filled)
            }
            let orders = try await stack.simulatorOrders()
            #expect(orders.filter { $0["pair"] as? String == "BTCUSD" }.count == 1, "one order for the repeated commandId")
            let finals = stack.collector.reports(for: command.commandId).filter(\.isFinal)
            #expect(!finals.isEmpty)
            #expect(Set(finals.map(\.reportId)).count == 1, "a repeat gets the same terminal report (same reportId), never a second one")
        }
    }

    @Test func anExpiredCommandIsReportedExpiredWithoutAVenueCall() async throws {
        try await withInfrastructure { stack in
            try await withExecutor(stack) { _ in
                let before = try await stack.simulatorOrderRequests()
                let command = stack.command(expiresAt: Timestamp(date: Date().addingTimeInterval(-1)))
                try await stack.send(command)
                let report = try #require(try await stack.finalReport(command.commandId))
                #expect(report.status == .expired && report.reason?.code == "command_expired")
                #expect(report.sentAt == nil, "no venue call")
                #expect(try await stack.simulatorOrderRequests() == before)
            }
        }
    }

    @Test func aHaltRefusesNewOrdersUntilTheResume() async throws {
        try await withInfrastructure { stack in
            try await withExecutor(stack) { executor in
                func halted(_ venue: String) -> Bool {
                    executor.metrics.render().contains(#"tradewire_venue_halted{venue="\#(venue)"} 1"#)
                }
                try await stack.control(.halt, scope: "mt4-demo")
                #expect(try await eventually(timeout: .seconds(30)) { halted("mt4-demo") })
                let refused = stack.command()
                try await stack.send(refused)
                let report = try #require(try await stack.finalReport(refused.commandId))
                #expect(report.status == .rejected && report.reason?.code == "venue_halted")
                // Another venue still trades.
                let elsewhere = stack.command(venue: "mt4-ava", symbol: "EURUSD")
                try await stack.send(elsewhere)
                #expect(try await stack.finalReport(elsewhere.commandId)?.status == .filled)

                try await stack.control(.resume, scope: "mt4-demo")
                #expect(try await eventually(timeout: .seconds(30)) { !halted("mt4-demo") })
                let accepted = stack.command()
                try await stack.send(accepted)
                #expect(try await stack.finalReport(accepted.commandId)?.status == .filled)

                // `*` halts every venue.
                try await stack.control(.halt, scope: "*")
                #expect(try await eventually(timeout: .seconds(30)) { halted("*") })
                let all = stack.command(venue: "mt4-ava", symbol: "EURUSD")
                try await stack.send(all)
                #expect(try await stack.finalReport(all.commandId)?.reason?.code == "venue_halted")
                #expect(try await stack.simulatorOrders().count == 2)
            }
        }
    }

    @Test func anExpiredTokenIsRefreshedThroughTheBrokerAndNoSecretReachesLogsOrKafka() async throws {
        try await withInfrastructure { stack in
            try await withExecutor(stack) { _ in
                let first = stack.command()
                try await stack.send(first)
                #expect(try await stack.finalReport(first.commandId)?.status == .filled)

                try await stack.faults(#"{"expireTokens": true}"#)
                let second = stack.command()
                try await stack.send(second)
                #expect(try await stack.finalReport(second.commandId)?.status == .filled)

                let requests = stack.collector.on(TopicCatalogue.authRefreshRequests)
                    .compactMap { try? WireFormat.decode(TokenRefreshRequest.self, from: $0.value) }
                #expect(requests.contains { $0.venue == "mt4-demo" && $0.staleVersion == 1 && $0.reason == .rejectedByVenue })
                #expect(try stack.grants().contains { $0.version == 2 })
            }
            // Every JWT issued and the API key: in no log line, in no Kafka record (grants are sealed).
            var secrets = [simulatorAPIKey]
            for grant in try stack.grants() + stack.grants(venue: "mt4-ava") {
                guard case .mt4server(let jwt) = grant.material else { continue }
                secrets.append(jwt.value)
            }
            #expect(secrets.count >= 4)
            let logs = stack.logs.text
            #expect(stack.logs.count > 20 && logs.contains("Grant applied"), "the logs were captured")
            let kafka = stack.collector.all.map { String(decoding: $0.value, as: UTF8.self) }.joined(separator: "\n")
            #expect(kafka.contains("mt4-demo"), "the Kafka records were captured")
            for secret in secrets {
                #expect(!logs.contains(secret), "a secret in the logs")
                #expect(!kafka.contains(secret), "a secret on Kafka")
            }
        }
    }

    @Test func anOrderWhoseAnswerNeverComesIsReportedUnknownThenReconciled() async throws {
        try await withInfrastructure(requestTimeoutMs: 800) { stack in
            try await withExecutor(stack) { _ in
                try await stack.faults(#"{"hangOrders": true}"#)
                let command = stack.command()
                try await stack.send(command)
                let report = try #require(try await stack.finalReport(command.commandId))
                let interim = try #require(stack.collector.reports(for: command.commandId).first { !$0.isFinal })
                #expect(interim.status == .unknown)
                #expect(report.status == .filled && report.reason?.code == "reconciled")
                let orders = try await stack.simulatorOrders()
                #expect(orders.count == 1, "never resent")
                #expect((orders.first?["ticket"] as? Int).map(String.init) == report.venueOrderId)
                #expect(try await stack.simulatorOrderRequests() == 1)
                try await stack.faults(#"{"hangOrders": false}"#)
            }
        }
    }
}
