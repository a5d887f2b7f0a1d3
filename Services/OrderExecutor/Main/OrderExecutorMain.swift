import ArgumentParser
import Foundation
import GrantSealing
import KafkaBridge
import OrderExecutorCore
import ServiceCommand
import ServiceRuntime

/// `order-executor`: executes `orders.commands` at the venues and publishes reports, fills and dead letters.
@main
struct OrderExecutorMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order-executor", abstract: "Executes orders.commands at the venues; publishes orders.reports and orders.fills.")

    @OptionGroup var venues: VenueFileOption

    @Option(help: "This instance's name in the journal (default: the host name). Keep it stable across restarts.")
    var instanceId: String?

    @Option(help: "Seconds an unknown outcome is polled at the venue before it is reported unresolved.")
    var reconcileWindow = 30

    @OptionGroup var service: ServiceOptions

    func run() async throws {
        let logger = self.service.startLogging(label: "order-executor")
        let environment = ProcessInfo.processInfo.environment
        var configuration = OrderExecutorConfiguration(
            venues: try self.venues.load(environment: environment),
            instanceID: self.instanceId ?? ProcessInfo.processInfo.hostName)
        configuration.reconcileWindow = .seconds(max(1, self.reconcileWindow))
        // How soon the group hands a dead instance's venues to another (the mock broker rebalances after this minus
        // 1 s); default 10 s.
        if let text = environment["KAFKA_SESSION_TIMEOUT_MS"], let milliseconds = Int(text), (1000...300_000).contains(milliseconds) {
            configuration.commands.sessionTimeout = .milliseconds(milliseconds)
        }
        var producerConfiguration = KafkaProducerConfiguration()
        producerConfiguration.clientID = "order-executor"
        producerConfiguration.linger = .zero
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let metrics = ServiceMetrics()
        let health = HealthBoard()
        let services = try OrderExecutor.makeServices(
            configuration: configuration, sealer: try GrantSealer.fromEnvironment(environment), producer: producer,
            metrics: metrics, health: health, logger: logger)
        try await self.service.run(
            name: "order-executor", defaultPort: 9465, services: services, health: health, metrics: metrics, logger: logger)
    }
}
