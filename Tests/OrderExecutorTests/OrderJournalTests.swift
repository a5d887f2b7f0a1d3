import EmbeddedKafka
import Foundation
import KafkaBridge
import Logging
import Messages
import OrderExecutorCore
import TestSupport
import Testing

private let logger: Logger = {
    var logger = Logger(label: "journal-test")
    logger.logLevel = .warning
    return logger
}()

@Suite(.timeLimit(.minutes(2)))
struct OrderJournalTests {
    private func makeJournal(_ broker: EmbeddedKafkaBroker, executor: String) throws -> (OrderJournal, KafkaConsumer, KafkaProducer) {
        var consumerSettings = KafkaConsumerConfiguration(groupID: "journal-\(executor)-\(UUID())", bootstrapServers: [broker.bootstrapServers])
        consumerSettings.sessionTimeout = .seconds(3)
        consumerSettings.fetchWaitMax = .milliseconds(5)
        consumerSettings.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: consumerSettings, topics: [TopicCatalogue.ordersState.name], logger: logger)
        var producerSettings = KafkaProducerConfiguration(bootstrapServers: [broker.bootstrapServers])
        producerSettings.linger = .zero
        let producer = try KafkaProducer(configuration: producerSettings, logger: logger)
        return (OrderJournal(consumer: consumer, producer: producer, executorID: executor, logger: logger), consumer, producer)
    }

    private func command(_ client: String) -> OrderCommand {
        OrderCommand(
            commandId: UUID(), action: .place, venue: "mt4-demo", clientOrderId: client, symbol: "BTCUSD", side: .buy,
            quantity: 1, orderType: .market, createdAt: .now(), source: "test")
    }

    private func report(for command: OrderCommand) -> ExecutionReport {
        ExecutionReport(
            reportId: UUID(), commandId: command.commandId, clientOrderId: command.clientOrderId, venue: command.venue,
            venueOrderId: "10000001", action: .place, status: .filled, isFinal: true, filledQuantity: 1,
            averagePrice: 60_000, receivedAt: .now(), reportedAt: .now())
    }

    @Test func aRestartedJournalKnowsWhatWasDoneAndWhatIsInDoubt() async throws {
        let broker = try EmbeddedKafkaBroker(logger: logger)
        let finished = self.command("c-done")
        let hanging = self.command("c-in-doubt")
        let report = self.report(for: finished)

        let (first, firstConsumer, firstProducer) = try self.makeJournal(broker, executor: "exec-1")
        try await withRunningServices([firstProducer, firstConsumer, first], logger: logger) {
            await first.waitUntilReplayed()  // an empty journal is replayed at once
            try await first.recordIntent(finished)
            try await first.recordDone(report)
            try await first.recordIntent(hanging)
            #expect(first.entry(finished.commandId) == .done(report))
        }

        let (second, secondConsumer, secondProducer) = try self.makeJournal(broker, executor: "exec-2")
        try await withRunningServices([secondProducer, secondConsumer, second], logger: logger) {
            await second.waitUntilReplayed()
            #expect(second.entry(finished.commandId) == .done(report), "a finished command is never executed again")
            #expect(second.entry(hanging.commandId) == .intent(hanging, attempt: 1))
            #expect(second.inDoubt(venue: "mt4-demo") == [hanging])
            #expect(second.inDoubt(venue: "mt4-ava").isEmpty)
            // A stray late intent never reopens a finished command.
            try await second.recordIntent(finished, attempt: 2)
            #expect(second.entry(finished.commandId) == .done(report))
        }
    }
}
