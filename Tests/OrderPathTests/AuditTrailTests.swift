import AuditLoggerCore
import AuditStore
import EmbeddedKafka
import Foundation
import KafkaBridge
import Logging
import Messages
import ServiceRuntime
import TestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(3)))
struct AuditTrailTests {
    @Test func everyRecordOfAnOrderAppearsOnceInItsAuditTrailInTimeOrder() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trail-\(UUID()).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withInfrastructure { stack in
            let store = try SQLiteAuditStore(path: path)
            let logger = stack.logs.logger("audit-logger", level: .info)
            var configuration = AuditLoggerConfiguration(bootstrapServers: [stack.kafka.bootstrapServers])
            configuration.consumer.sessionTimeout = .seconds(3)
            let services = try AuditLogger.makeServices(
                configuration: configuration, store: store, metrics: ServiceMetrics(), health: HealthBoard(), logger: logger)
            try await withRunningServices(services, logger: logger) {
                try await withExecutor(stack) { _ in
                    // The token expires first, so the order's life includes a refresh through the auth-token-broker.
                    try await stack.faults(#"{"expireTokens": true}"#)
                    let place = stack.command()
                    try await stack.send(place)
                    #expect(try await stack.finalReport(place.commandId)?.status == .filled)
                    #expect(try await eventually { stack.collector.fills(for: place.commandId).count == 1 })

                    // What Kafka holds for this command, by identity.
                    let expected = Set(stack.collector.all.filter { message in
                        let text = String(decoding: message.value, as: UTF8.self)
                        return text.contains(place.commandId.uuidString.lowercased())
                    }.map { "\($0.topic)#\($0.partition)@\($0.offset)" })
                    // command, intent, done, report, fill
                    #expect(expected.count == 5, "\(expected.sorted())")
                    var trail: [AuditRow] = []
                    let complete = try await eventually(timeout: .seconds(20), interval: .milliseconds(50)) {
                        trail = try await store.trail(commandId: place.commandId.uuidString, clientOrderId: nil)
                        return expected.isSubset(of: Set(trail.map { "\($0.record.topic)#\($0.record.partition)@\($0.record.offset)" }))
                    }
                    #expect(complete, "trail: \(trail.map { "\($0.record.topic)@\($0.record.offset)" })")
                    let identities = trail.map { "\($0.record.topic)#\($0.record.partition)@\($0.record.offset)" }
                    #expect(identities.count == Set(identities).count, "each record once")
                    let topics = trail.map(\.record.topic)
                    // The venue's auth traffic up to 2 s before may come first; of the order's own records, the command does.
                    #expect(topics.first { !$0.hasPrefix("auth.") } == TopicCatalogue.ordersCommands.name, "\(topics)")
                    #expect(topics.contains(TopicCatalogue.authRefreshRequests.name), "the refresh during the order: \(topics)")
                    #expect(topics.contains(TopicCatalogue.authTokens.name), "the new grant (metadata): \(topics)")
                    let times = trail.compactMap(\.record.timestampMs)
                    #expect(times == times.sorted())
                    // The same trail by client order id.
                    let byClient = try await store.trail(commandId: nil, clientOrderId: place.clientOrderId)
                    #expect(Set(byClient.map(\.id)) == Set(trail.map(\.id)))
                    // Grants are metadata only in the audit log.
                    for row in trail where row.record.topic == TopicCatalogue.authTokens.name {
                        #expect(!String(decoding: row.record.payload, as: UTF8.self).contains("sealed"))
                    }
                    #expect(try await store.verify() == .intact(rows: try await store.count()))
                }
            }
        }
    }
}
