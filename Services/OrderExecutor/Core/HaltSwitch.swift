import Foundation
public import KafkaBridge
public import Logging
import Messages
public import ServiceLifecycle
public import ServiceRuntime
import Synchronization

/// The kill switch: follows `orders.control` from the earliest offset (a group unique to the process, so every
/// instance sees every command) and keeps the set of halted scopes. The last command for a scope wins; `*` halts
/// every venue and is lifted only by a `*` resume. Unreadable control records are logged and ignored (they are
/// operator input, not order flow; the audit log keeps them).
public final class HaltSwitch: Service, Sendable {
    private let consumer: KafkaConsumer
    private let replay = TopicReplay(topic: TopicCatalogue.ordersControl)
    private let halted = Mutex<Set<String>>([])
    private let metrics: ServiceMetrics
    private let logger: Logger

    /// A switch reading with `consumer` (subscribed to `orders.control`).
    public init(consumer: KafkaConsumer, metrics: ServiceMetrics, logger: Logger) {
        self.consumer = consumer
        self.metrics = metrics
        self.logger = logger
    }

    /// A consumer configuration for the switch: a group unique to this process, from the earliest offset.
    public static func consumerConfiguration(bootstrapServers: [String]) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            groupID: "order-executor-control-\(UUID().uuidString.lowercased())", bootstrapServers: bootstrapServers)
        configuration.autoOffsetReset = .earliest
        return configuration
    }

    /// Halted venue ids (and `*`).
    public var haltedScopes: Set<String> { self.halted.withLock { $0 } }

    /// Returns once every control command on the topic at start has been applied.
    public func waitUntilReplayed() async { await self.replay.wait() }

    public func run() async throws {
        try await self.replay.captureTargets(using: self.consumer)
        for try await message in self.consumer.messages.cancelOnGracefulShutdown() {
            do {
                self.apply(try WireFormat.decode(ControlCommand.self, from: message.value))
            } catch {
                self.logger.warning("Unreadable control command ignored", metadata: [
                    "kafka.offset": "\(message.offset)", "error": "\(error)",
                ])
            }
            self.replay.observe(partition: message.partition, offset: message.offset)
        }
    }

    private func apply(_ command: ControlCommand) {
        let scope = command.scope.description
        self.halted.withLock { halted in
            switch command.action {
            case .halt: halted.insert(scope)
            case .resume: halted.remove(scope)
            }
        }
        self.metrics.halted(venue: scope, command.action == .halt)
        self.logger.notice("Control command applied", metadata: [
            "control.action": "\(command.action.rawValue)", "control.scope": "\(scope)",
            "control.operator": "\(command.operator)", "control.reason": "\(command.reason)",
        ])
    }
}
