import ArgumentParser
import AuthTokenBrokerCore
import Foundation
import GrantSealing
import KafkaBridge
import ServiceCommand
import ServiceRuntime

/// `auth-token-broker`: holds the venue secrets and publishes sealed session grants.
@main
struct AuthTokenBrokerMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth-token-broker", abstract: "Publishes sealed venue session grants to auth.tokens.")

    @OptionGroup var venues: VenueFileOption

    @Option(help: "Directory for durable state (grant versions, rotated secrets).")
    var stateDir = ".tradewire/auth-token-broker"

    @OptionGroup var service: ServiceOptions

    func run() async throws {
        let logger = self.service.startLogging(label: "auth-token-broker")
        let environment = ProcessInfo.processInfo.environment
        let configuration = AuthTokenBrokerConfiguration(
            venues: try self.venues.load(environment: environment), stateDirectory: URL(fileURLWithPath: self.stateDir))
        var producerConfiguration = KafkaProducerConfiguration()
        producerConfiguration.clientID = "auth-token-broker"
        producerConfiguration.linger = .zero
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let metrics = ServiceMetrics()
        let health = HealthBoard()
        let services = try AuthTokenBroker.makeServices(
            configuration: configuration, sealer: try GrantSealer.fromEnvironment(environment), producer: producer,
            environment: environment, metrics: metrics, health: health, logger: logger)
        try await self.service.run(
            name: "auth-token-broker", defaultPort: 9464, services: services, health: health, metrics: metrics, logger: logger)
    }
}
