public import Foundation
public import KafkaBridge
public import Logging
public import Messages
public import ServiceLifecycle
public import ServiceRuntime
import Synchronization

/// The kill switch: follows `orders.control` from the earliest offset (a group unique to the process, so every
/// instance sees every command) and keeps the set of halted scopes. The last command for a scope wins; `*` halts
/// every venue and is lifted only by a `*` resume. Operators' resolutions of unknown outcomes are passed on through
/// ``resolutions``. Unreadable control records are logged and ignored (they are operator input, not order flow; the
/// audit log keeps them).
public final class HaltSwitch: Service, Sendable {
    /// A `resolve` control command, with where it was read.
    public struct Resolution: Sendable {
        /// The control command (action `resolve`).
        public var command: ControlCommand
        /// Its record on `orders.control`.
        public var origin: DeadLetter.Origin
        /// The record's bytes.
        public var payload: Data
        /// False while the topic is being replayed at start (an old resolution: applied if still pending, never
        /// answered with a dead letter again).
        public var isLive: Bool
    }

    private let consumer: KafkaConsumer
    private let replay = TopicReplay(topic: TopicCatalogue.ordersControl)
    private let halted = Mutex<Set<String>>([])
    private let metrics: ServiceMetrics
    private let logger: Logger
    /// Resolutions in topic order.
    public let resolutions: AsyncStream<Resolution>
    private let resolutionInput: AsyncStream<Resolution>.Continuation

    /// A switch reading with `consumer` (subscribed to `orders.control`).
    public init(consumer: KafkaConsumer, metrics: ServiceMetrics, logger: Logger) {
        self.consumer = consumer
        self.metrics = metrics
        self.logger = logger
        (self.resolutions, self.resolutionInput) = AsyncStream.makeStream(of: Resolution.self)
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
                let command = try WireFormat.decode(ControlCommand.self, from: message.value)
                if command.action == .resolve {
                    self.resolutionInput.yield(Resolution(
                        command: command,
                        origin: .init(
                            topic: message.topic, partition: Int(message.partition), offset: message.offset,
                            key: message.key, timestamp: message.timestamp.map(Timestamp.init(date:))),
                        payload: message.value, isLive: self.replay.isReplayed))
                } else {
                    self.apply(command)
                }
            } catch {
                self.logger.warning("Unreadable control command ignored", metadata: [
                    "kafka.offset": "\(message.offset)", "error": "\(error)",
                ])
            }
            self.replay.observe(partition: message.partition, offset: message.offset)
        }
        self.resolutionInput.finish()
    }

    private func apply(_ command: ControlCommand) {
        let scope = command.scope.description
        self.halted.withLock { halted in
            switch command.action {
            case .halt: halted.insert(scope)
            case .resume: halted.remove(scope)
            case .resolve: break
            }
        }
        self.metrics.halted(venue: scope, command.action == .halt)
        self.logger.notice("Control command applied", metadata: [
            "control.action": "\(command.action.rawValue)", "control.scope": "\(scope)",
            "control.operator": "\(command.operator)", "control.reason": "\(command.reason)",
        ])
    }
}
