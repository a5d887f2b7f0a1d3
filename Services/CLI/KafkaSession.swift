import Foundation
import KafkaBridge
import Logging
import Messages
import ServiceLifecycle
import Synchronization

/// Reads a set of topics from a point: their end when it was created, or their beginning.
struct TopicFollower {
    let consumer: KafkaConsumer
    /// First offset to show per topic and partition (records before it are skipped).
    let start: [String: [Int32: Int64]]

    /// Messages until `deadline` passes (it may be moved while reading; nil: until cancelled).
    func messages(until deadline: StreamDeadline?) -> AsyncThrowingStream<KafkaConsumerMessage, any Error> {
        AsyncThrowingStream { continuation in
            let reader = Task {
                do {
                    for try await message in self.consumer.messages {
                        if message.offset < (self.start[message.topic]?[message.partition] ?? 0) { continue }
                        continuation.yield(message)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            let timer = Task {
                guard let deadline else { return }
                while ContinuousClock.now < deadline.instant {
                    do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                reader.cancel()
                timer.cancel()
            }
        }
    }
}

/// A deadline that can be brought forward while a stream runs.
final class StreamDeadline: Sendable {
    private let value: Mutex<ContinuousClock.Instant>

    init(_ instant: ContinuousClock.Instant) { self.value = Mutex(instant) }

    var instant: ContinuousClock.Instant { self.value.withLock { $0 } }

    /// Moves the deadline to `instant` if that is earlier.
    func bringForward(to instant: ContinuousClock.Instant) { self.value.withLock { $0 = min($0, instant) } }
}

/// A producer and followers for one CLI invocation, shut down when the body returns.
enum KafkaSession {
    typealias MakeFollower = ([TopicSpec], Bool) async throws -> TopicFollower

    static func with(_ options: KafkaOptions, _ body: (KafkaProducer, MakeFollower) async throws -> Void) async throws {
        let logger = options.logger
        var settings = KafkaProducerConfiguration(bootstrapServers: options.bootstrapServers)
        settings.clientID = "tradewire-cli"
        settings.linger = .zero
        settings.messageTimeout = .seconds(15)
        let producer = try KafkaProducer(configuration: settings, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: producer)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var consumers: [ServiceGroup] = []
            do {
                try await body(producer) { topics, fromBeginning in
                    var configuration = KafkaConsumerConfiguration(
                        groupID: "tradewire-cli-\(UUID().uuidString.lowercased())", bootstrapServers: options.bootstrapServers)
                    configuration.autoOffsetReset = .earliest
                    configuration.fetchWaitMax = .milliseconds(10)
                    let consumer = try KafkaConsumer(configuration: configuration, topics: topics.map(\.name), logger: logger)
                    var start: [String: [Int32: Int64]] = [:]
                    if !fromBeginning {
                        for topic in topics {
                            for partition in 0..<Int32(topic.partitions) {
                                start[topic.name, default: [:]][partition] = try await consumer.watermarks(
                                    topic: topic.name, partition: partition).high
                            }
                        }
                    }
                    let consumerGroup = ServiceGroup(configuration: .init(services: [.init(service: consumer)], logger: logger))
                    consumers.append(consumerGroup)
                    tasks.addTask { try await consumerGroup.run() }
                    return TopicFollower(consumer: consumer, start: start)
                }
            } catch {
                for consumer in consumers { await consumer.triggerGracefulShutdown() }
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            for consumer in consumers { await consumer.triggerGracefulShutdown() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// Human-readable one-liners.
enum Describe {
    static func command(_ command: OrderCommand) -> String {
        var text = "\(TopicCatalogue.ordersCommands.name)  \(command.action.rawValue)"
        if let side = command.side { text += " \(side.rawValue)" }
        if let quantity = command.quantity { text += " \(quantity)" }
        if let symbol = command.symbol { text += " \(symbol)" }
        if let id = command.venueOrderId { text += " order \(id)" }
        text += " at \(command.venue)  commandId=\(command.commandId.uuidString.lowercased()) clientOrderId=\(command.clientOrderId)"
        return text
    }

    static func report(_ report: ExecutionReport) -> String {
        var text = "report \(report.status.rawValue)\(report.isFinal ? " (final)" : "")"
        if let id = report.venueOrderId { text += "  venueOrderId=\(id)" }
        if report.filledQuantity > 0 {
            text += "  filled \(report.filledQuantity)"
            if let price = report.averagePrice { text += " @ \(price)" }
        }
        if let reason = report.reason {
            text += "  reason=\(reason.code)"
            if let code = reason.venueCode { text += " venueCode=\(code)" }
            text += " (\(reason.message))"
        }
        if let sent = report.sentAt, let acked = report.ackedAt {
            text += "  venue \(self.milliseconds(sent, acked)) ms"
        }
        text += ", total \(self.milliseconds(report.receivedAt, report.reportedAt)) ms"
        return text
    }

    static func fill(_ fill: Fill) -> String {
        "fill \(fill.fillId)  \(fill.side.rawValue) \(fill.quantity) \(fill.symbol) @ \(fill.price)"
    }

    static func milliseconds(_ from: Timestamp, _ to: Timestamp) -> String {
        String(format: "%.1f", to.date.timeIntervalSince(from.date) * 1000)
    }

    /// Indented JSON with sorted keys; the raw text when it is not JSON.
    static func json(_ data: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return String(decoding: data, as: UTF8.self) }
        return String(decoding: pretty, as: UTF8.self)
    }
}
