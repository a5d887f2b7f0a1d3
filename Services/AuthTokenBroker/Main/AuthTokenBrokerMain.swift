import ArgumentParser
import AuthTokenBrokerCore
import Foundation
import GrantSealing
import KafkaBridge
import Logging
import ServiceLifecycle
import ServiceSupport
import UnixSignals

/// `auth-token-broker`: holds the venue secrets and publishes sealed session grants.
@main
struct AuthTokenBrokerMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth-token-broker", abstract: "Publishes sealed venue session grants to auth.tokens.")

    @Option(help: "Venue configuration file (or TRADEWIRE_VENUES_FILE).")
    var venues: String?

    @Option(help: "Directory for durable state (grant versions, rotated secrets).")
    var stateDir = ".tradewire/auth-token-broker"

    @Option(help: "Log level.")
    var logLevel = "info"

    func run() async throws {
        var logger = Logger(label: "auth-token-broker")
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
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
        let services = try AuthTokenBroker.makeServices(
            configuration: configuration, sealer: try GrantSealer.fromEnvironment(environment), producer: producer,
            environment: environment, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
