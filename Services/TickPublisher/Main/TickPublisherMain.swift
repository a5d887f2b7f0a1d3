import ArgumentParser
import Foundation
import GrantSealing
import KafkaBridge
import Logging
import ServiceRuntime
import ServiceSupport
import TickPublisherCore

/// `tick-publisher`: venue quotes to `market.ticks`, feed health to `venues.status`.
@main
struct TickPublisherMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick-publisher", abstract: "Publishes venue quotes as ticks to market.ticks and feed health to venues.status.")

    @Option(help: "Venue configuration file (or TRADEWIRE_VENUES_FILE).")
    var venues: String?

    @Option(help: "This instance's name (default: the host name).")
    var instanceId: String?

    @Option(help: "Seconds without a quote after which a feed is reported stale.")
    var staleAfter = 3.0

    @Option(help: "Address of /health and /metrics.")
    var httpHost = "0.0.0.0"

    @Option(help: "Port of /health and /metrics (0 picks a free port).")
    var httpPort = 9466

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Log format: json or text.")
    var logFormat = "json"

    func run() async throws {
        guard let level = Logger.Level(rawValue: self.logLevel) else { throw ValidationError("unknown log level \(self.logLevel)") }
        guard let format = LogFormat(rawValue: self.logFormat) else { throw ValidationError("log format is json or text") }
        guard self.staleAfter > 0 else { throw ValidationError("--stale-after must be positive") }
        format.bootstrap(level: level)
        let logger = Logger(label: "tick-publisher")
        let environment = ProcessInfo.processInfo.environment
        guard let path = self.venues ?? environment["TRADEWIRE_VENUES_FILE"] else {
            throw ValidationError("give --venues or TRADEWIRE_VENUES_FILE")
        }
        var configuration = TickPublisherConfiguration(
            venues: try VenueConfigurationFile.load(from: URL(fileURLWithPath: path)),
            instanceID: self.instanceId ?? ProcessInfo.processInfo.hostName)
        configuration.staleAfter = .milliseconds(Int(self.staleAfter * 1000))
        let producer = try KafkaProducer(configuration: configuration.producer, logger: logger)
        let metrics = ServiceMetrics()
        let health = HealthBoard()
        let services = try TickPublisher.makeServices(
            configuration: configuration, sealer: try GrantSealer.fromEnvironment(environment), producer: producer,
            metrics: metrics, health: health, logger: logger)
        try await ServiceProcess.run(
            name: "tick-publisher", services: services, httpHost: self.httpHost, httpPort: self.httpPort,
            health: health, metrics: metrics, logger: logger)
    }
}
