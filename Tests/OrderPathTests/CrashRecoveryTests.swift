import EmbeddedKafka
import Foundation
import KafkaBridge
import Logging
import Messages
import TestSupport
import Testing
import VenueKit
import VenueMT4Server

/// An executor that crashed between journaling the intent and journaling the outcome: its successor (same instance
/// id) must settle the command against the venue and never send it again.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CrashRecoveryTests {
    /// Journals an intent for `command` as executor `executor` had written it just before crashing.
    private func journalIntent(_ command: OrderCommand, executor: String, stack: Infrastructure, at time: Date) async throws {
        let entry = JournalEntry(
            commandId: command.commandId, venue: command.venue, phase: .intent, executor: executor, attempt: 1,
            command: command, recordedAt: Timestamp(date: time))
        _ = try await stack.producer.send(KafkaProducerMessage(
            topic: TopicCatalogue.ordersState.name, key: command.commandId.uuidString.lowercased(),
            value: try WireFormat.encode(entry)))
    }

    @Test func anIntentWhoseOrderReachedTheVenueIsSettledFilledAfterARestartWithoutResending() async throws {
        try await withInfrastructure { stack in
            let command = stack.command(quantity: Decimal(string: "0.37"))
            try await self.journalIntent(command, executor: "e2e-crashed", stack: stack, at: Date().addingTimeInterval(-1))
            // The crashed executor's request did reach the venue: the order exists there.
            let configuration = MT4ServerConfiguration(endpoint: URL(string: "http://127.0.0.1:\(stack.mt4Port)")!, broker: "demo")
            let (jwt, expiresAt) = try await MT4ServerLogin.login(configuration: configuration, apiKey: VenueSecret(simulatorAPIKey))
            var quiet = Logger(label: "crash-test")
            quiet.logLevel = .warning
            let direct = try MT4ServerClient(
                venueID: "mt4-demo", configuration: configuration,
                tokens: VenueTokenCache { () async throws(VenueError) in (jwt, expiresAt) }, logger: quiet)
            guard case .accepted(let ack) = await direct.place(VenuePlaceRequest(
                clientOrderID: command.clientOrderId, symbol: "BTCUSD", side: .buy, quantity: Decimal(string: "0.37")!))
            else {
                Issue.record("the simulator must accept the order")
                return
            }
            try await withExecutor(stack, instanceID: "e2e-crashed") { _ in
                let report = try #require(try await stack.finalReport(command.commandId))
                #expect(report.status == .filled && report.reason?.code == "reconciled")
                #expect(report.venueOrderId == ack.venueOrderID)
                #expect(try await eventually { stack.collector.fills(for: command.commandId).count == 1 })
            }
            #expect(try await stack.simulatorOrderRequests() == 1, "never sent again")
        }
    }

    @Test func anIntentWhoseOrderNeverReachedTheVenueEndsUnresolvedForAnOperatorNotResent() async throws {
        try await withInfrastructure { stack in
            let command = stack.command()
            try await self.journalIntent(command, executor: "e2e-crashed", stack: stack, at: Date())
            try await withExecutor(stack, instanceID: "e2e-crashed", reconcileWindow: .seconds(2)) { _ in
                let report = try #require(try await stack.finalReport(command.commandId, timeout: .seconds(20)))
                #expect(report.status == .unknown && report.isFinal)
                #expect(report.reason?.code == "in_doubt_unresolved")
                // A repeat of the command now gets that answer, and still no order.
                try await stack.send(command)
                let marker = stack.command(symbol: "ETHUSD")
                try await stack.send(marker)
                #expect(try await stack.finalReport(marker.commandId)?.status == .filled)
            }
            #expect(try await stack.simulatorOrderRequests() == 1, "only the marker order reached the venue")
        }
    }
}
