import Foundation
import KafkaBridge
import Logging
import Messages
import VenueKit

/// Publishes the executor's output. Each call returns once the broker has every record, retrying with backoff while
/// Kafka is unavailable; it gives up only when the task is cancelled (shutdown), and then the offset is not
/// committed, so the command is read again and the journal answers it.
struct OrderPublisher: Sendable {
    let producer: KafkaProducer
    let logger: Logger

    /// A dead letter (keyed like the original record) and, when the command could be identified, its report.
    func deadLetter(_ letter: DeadLetter, key: Data?, report: ExecutionReport?) async -> Bool {
        var messages: [KafkaProducerMessage] = []
        guard let value = try? WireFormat.encode(letter) else {
            self.logger.critical("Dead letter not encodable", metadata: ["kafka.offset": "\(letter.original.offset)"])
            return false
        }
        messages.append(KafkaProducerMessage(topic: TopicCatalogue.ordersDLQ.name, key: key, value: value))
        if let report, let message = self.message(report) { messages.append(message) }
        return await self.send(messages)
    }

    /// A report and its fills: the fills first, so a consumer that sees the terminal report can expect its fills
    /// to be on Kafka already.
    func report(_ report: ExecutionReport, fills: [Fill] = []) async -> Bool {
        var fillMessages: [KafkaProducerMessage] = []
        for fill in fills {
            guard let value = try? WireFormat.encode(fill) else { continue }
            fillMessages.append(KafkaProducerMessage(topic: TopicCatalogue.ordersFills.name, key: fill.venue, value: value))
        }
        if !fillMessages.isEmpty, !(await self.send(fillMessages)) { return false }
        guard let message = self.message(report) else { return false }
        return await self.send([message])
    }

    private func message(_ report: ExecutionReport) -> KafkaProducerMessage? {
        guard let value = try? WireFormat.encode(report) else {
            self.logger.critical("Report not encodable", metadata: ["command.id": "\(report.commandId)"])
            return nil
        }
        return KafkaProducerMessage(topic: TopicCatalogue.ordersReports.name, key: report.venue, value: value)
    }

    private func send(_ messages: [KafkaProducerMessage]) async -> Bool {
        await Self.retrying(self.logger, "publish") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for message in messages { group.addTask { _ = try await self.producer.send(message) } }
                try await group.waitForAll()
            }
        }
    }

    /// Runs `operation` until it succeeds (true) or the task is cancelled (false).
    static func retrying(_ logger: Logger, _ what: String, _ operation: () async throws -> Void) async -> Bool {
        var backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(5))
        while !Task.isCancelled {
            do {
                try await operation()
                return true
            } catch {
                logger.error("Kafka write failed; retrying", metadata: ["operation": "\(what)", "error": "\(error)"])
                do { try await Task.sleep(for: backoff.next()) } catch { return false }
            }
        }
        return false
    }
}
