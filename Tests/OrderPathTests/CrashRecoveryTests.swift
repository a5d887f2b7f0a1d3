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
                #expect(report.evidence.first?.check == "open-orders")
                #expect(report.evidence.first?.candidates == [ack.venueOrderID])
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
                #expect(!report.evidence.isEmpty && report.evidence.allSatisfy { $0.check == "open-orders" })
                // A repeat of the command now gets that answer, and still no order.
                try await stack.send(command)
                let marker = stack.command(symbol: "ETHUSD")
                try await stack.send(marker)
                #expect(try await stack.finalReport(marker.commandId)?.status == .filled)
            }
            #expect(try await stack.simulatorOrderRequests() == 1, "only the marker order reached the venue")
        }
    }

    @Test func aVenuesInDoubtIntentsFromAnotherInstanceAreSettledBeforeItsNextCommand() async throws {
        try await withInfrastructure { stack in
            // Another instance (gone in a rebalance) left an intent whose order did not reach the venue.
            let orphan = stack.command(quantity: Decimal(string: "0.41"))
            try await self.journalIntent(orphan, executor: "e2e-gone", stack: stack, at: Date().addingTimeInterval(-60))
            try await withExecutor(stack, instanceID: "e2e-new", reconcileWindow: .seconds(2)) { _ in
                let next = stack.command(quantity: Decimal(string: "0.12"))
                try await stack.send(next)
                let settled = try #require(try await stack.finalReport(orphan.commandId))
                #expect(settled.status == .unknown && !settled.evidence.isEmpty)
                #expect(try await stack.finalReport(next.commandId)?.status == .filled)
                // The orphan's report came first: the venue's lane settled it before the next command.
                let order = stack.collector.on(TopicCatalogue.ordersReports).compactMap {
                    try? WireFormat.decode(ExecutionReport.self, from: $0.value)
                }.filter(\.isFinal).map(\.commandId)
                #expect(order.firstIndex(of: orphan.commandId)! < order.firstIndex(of: next.commandId)!)
            }
            #expect(try await stack.simulatorOrderRequests() == 1, "only the next command's order reached the venue")
        }
    }

    @Test func anOperatorResolvesAnUnknownOutcomeOnceWithAnAuditedFinalReportAndFill() async throws {
        try await withInfrastructure { stack in
            let command = stack.command(quantity: Decimal(string: "0.29"))
            try await self.journalIntent(command, executor: "e2e-crashed", stack: stack, at: Date().addingTimeInterval(-60))
            try await withExecutor(stack, instanceID: "e2e-crashed", reconcileWindow: .seconds(1)) { _ in
                let unknown = try #require(try await stack.finalReport(command.commandId))
                #expect(unknown.status == .unknown)

                // Refused: the wrong status for a place, and a command that is not in doubt.
                let misfit = self.resolution(command, venue: "mt4-demo", status: .closed)
                try await stack.sendRaw(key: "mt4-demo", value: try WireFormat.encode(misfit), topic: TopicCatalogue.ordersControl)
                let other = stack.command(symbol: "ETHUSD")
                try await stack.send(other)
                #expect(try await stack.finalReport(other.commandId)?.status == .filled)
                let notInDoubt = self.resolution(other, venue: "mt4-demo", status: .rejected)
                try await stack.sendRaw(key: "mt4-demo", value: try WireFormat.encode(notInDoubt), topic: TopicCatalogue.ordersControl)
                #expect(try await eventually { stack.collector.deadLetters().count == 2 })
                let codes = Set(stack.collector.deadLetters().map(\.error.code))
                #expect(codes == ["resolution_invalid", "not_in_doubt"])

                // Accepted, and applied once even when sent twice.
                let resolution = self.resolution(
                    command, venue: "mt4-demo", status: .filled, venueOrderId: "777", quantity: Decimal(string: "0.29"),
                    price: Decimal(string: "64000.5"))
                for _ in 0..<2 {
                    try await stack.sendRaw(
                        key: "mt4-demo", value: try WireFormat.encode(resolution), topic: TopicCatalogue.ordersControl)
                }
                #expect(try await eventually {
                    stack.collector.reports(for: command.commandId).contains { $0.resolves != nil }
                })
                let resolved = try #require(stack.collector.reports(for: command.commandId).first { $0.resolves != nil })
                #expect(resolved.isFinal && resolved.status == .filled && resolved.resolves == unknown.reportId)
                #expect(resolved.reason?.code == "operator_resolved" && resolved.venueOrderId == "777")
                #expect(resolved.evidence == unknown.evidence, "the evidence stays with the resolution")
                #expect(try await eventually { stack.collector.fills(for: command.commandId).count == 1 })
                let fill = try #require(stack.collector.fills(for: command.commandId).first)
                #expect(fill.price == Decimal(string: "64000.5") && fill.quantity == Decimal(string: "0.29"))
                try await Task.sleep(for: .seconds(1))
                #expect(stack.collector.reports(for: command.commandId).filter { $0.resolves != nil }.count == 1)
                #expect(stack.collector.deadLetters().count == 2, "a resolution already applied is not an error")

                // A repeat of the command gets the resolved report.
                try await stack.send(command)
                #expect(try await eventually {
                    stack.collector.reports(for: command.commandId).filter { $0.resolves != nil }.count == 2
                })
            }
        }
    }

    private func resolution(
        _ command: OrderCommand, venue: String, status: OrderStatus, venueOrderId: String? = nil, quantity: Decimal? = nil,
        price: Decimal? = nil
    ) -> ControlCommand {
        ControlCommand(
            commandId: UUID(), action: .resolve, scope: .venue(venue), reason: "checked at the venue", operator: "tester",
            issuedAt: .now(),
            resolution: OrderResolution(
                commandId: command.commandId, status: status, venueOrderId: venueOrderId, filledQuantity: quantity,
                averagePrice: price))
    }
}
