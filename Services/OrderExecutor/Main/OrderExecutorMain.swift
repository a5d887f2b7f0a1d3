import ArgumentParser
import Foundation
import GrantSealing
import KafkaBridge
import Logging
import OrderExecutorCore
import ServiceRuntime
import ServiceSupport

/// `order-executor`: executes `orders.commands` at the venues and publishes reports, fills and dead letters.
@main
struct OrderExecutorMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order-executor", abstract: "Executes orders.commands at the venues; publishes orders.reports and orders.fills.")

    @Option(help: "Venue configuration file (or TRADEWIRE_VENUES_FILE).")
    var venues: String?

    @Option(help: "This instance's name in the journal (default: the host name). Keep it stable across restarts.")
    var instanceId: String?

    @Option(help: "Address of /health and /metrics.")
    var httpHost = "0.0.0.0"

    @Option(help: "Port of /health and /metrics (0 picks a free port).")
    var httpPort = 9465

    @Option(help: "Seconds an unknown outcome is polled at the venue before it is reported unresolved.")
    var reconcileWindow = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Log format: json or text.")
    var logFormat = "json"

    func run() async throws {
        guard let level = Logger.Level(rawValue: self.logLevel) else { throw ValidationError("unknown log level \(self.logLevel)") }
        guard let format = LogFormat(rawValue: self.logFormat) else { throw ValidationError("log format is json or text") }
        format.bootstrap(level: level)
        let logger = Logger(label: "order-executor")
        let environment = ProcessInfo.processInfo.environment
        guard let path = self.venues ?? environment["TRADEWIRE_VENUES_FILE"] else {
            throw ValidationError("give --venues or TRADEWIRE_VENUES_FILE")
        }
        var configuration = OrderExecutorConfiguration(
            venues: try VenueConfigurationFile.load(from: URL(fileURLWithPath: path)),
            instanceID: self.instanceId ?? ProcessInfo.processInfo.hostName)
        configuration.reconcileWindow = .seconds(self.reconcileWindow)
        var producerConfiguration = KafkaProducerConfiguration()
        producerConfiguration.clientID = "order-executor"
        producerConfiguration.linger = .zero
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let metrics = ServiceMetrics()
        let health = HealthBoard()
        let services = try OrderExecutor.makeServices(
            configuration: configuration, sealer: try GrantSealer.fromEnvironment(environment), producer: producer,
            metrics: metrics, health: health, logger: logger)
        try await ServiceProcess.run(
            name: "order-executor", services: services, httpHost: self.httpHost, httpPort: self.httpPort,
            health: health, metrics: metrics, logger: logger)
    }
}
