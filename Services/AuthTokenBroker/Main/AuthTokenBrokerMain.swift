import ArgumentParser
import AuthTokenBrokerCore
import Foundation
import GrantSealing
import KafkaBridge
import Logging
import ServiceRuntime
import ServiceSupport

/// `auth-token-broker`: holds the venue secrets and publishes sealed session grants.
@main
struct AuthTokenBrokerMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth-token-broker", abstract: "Publishes sealed venue session grants to auth.tokens.")

    @Option(help: "Venue configuration file (or TRADEWIRE_VENUES_FILE).")
    var venues: String?

    @Option(help: "Directory for durable state (grant versions, rotated secrets).")
    var stateDir = ".tradewire/auth-token-broker"

    @Option(help: "Address of /health and /metrics.")
    var httpHost = "0.0.0.0"

    @Option(help: "Port of /health and /metrics (0 picks a free port).")
    var httpPort = 9464

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Log format: json or text.")
    var logFormat = "json"

    func run() async throws {
        guard let level = Logger.Level(rawValue: self.logLevel) else { throw ValidationError("unknown log level \(self.logLevel)") }
        guard let format = LogFormat(rawValue: self.logFormat) else { throw ValidationError("log format is json or text") }
        format.bootstrap(level: level)
        let logger = Logger(label: "auth-token-broker")
        let environment = ProcessInfo.processInfo.environment
        guard let path = self.venues ?? environment["TRADEWIRE_VENUES_FILE"] else {
            throw ValidationError("give --venues or TRADEWIRE_VENUES_FILE")
        }
        let configuration = AuthTokenBrokerConfiguration(
            venues: try VenueConfigurationFile.load(from: URL(fileURLWithPath: path)),
            stateDirectory: URL(fileURLWithPath: self.stateDir))
        var producerConfiguration = KafkaProducerConfiguration()
        producerConfiguration.clientID = "auth-token-broker"
        producerConfiguration.linger = .zero
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let metrics = ServiceMetrics()
        let health = HealthBoard()
        let services = try AuthTokenBroker.makeServices(
            configuration: configuration, sealer: try GrantSealer.fromEnvironment(environment), producer: producer,
            environment: environment, metrics: metrics, health: health, logger: logger)
        try await ServiceProcess.run(
            name: "auth-token-broker", services: services, httpHost: self.httpHost, httpPort: self.httpPort,
            health: health, metrics: metrics, logger: logger)
    }
}
