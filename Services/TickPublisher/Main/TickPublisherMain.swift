import ArgumentParser
import Foundation
import GrantSealing
import KafkaBridge
import ServiceCommand
import ServiceRuntime
import TickPublisherCore

/// `tick-publisher`: venue quotes to `market.ticks`, feed health to `venues.status`.
@main
struct TickPublisherMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick-publisher", abstract: "Publishes venue quotes as ticks to market.ticks and feed health to venues.status.")

    @OptionGroup var venues: VenueFileOption

    @Option(help: "This instance's name (default: the host name).")
    var instanceId: String?

    @Option(help: "Seconds without a quote after which a feed is reported stale.")
    var staleAfter = 3.0

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        guard self.staleAfter > 0 else { throw ValidationError("--stale-after must be positive") }
    }

    func run() async throws {
        let logger = self.service.startLogging(label: "tick-publisher")
        let environment = ProcessInfo.processInfo.environment
        var configuration = TickPublisherConfiguration(
            venues: try self.venues.load(environment: environment),
            instanceID: self.instanceId ?? ProcessInfo.processInfo.hostName)
        configuration.staleAfter = .milliseconds(Int(self.staleAfter * 1000))
        let producer = try KafkaProducer(configuration: configuration.producer, logger: logger)
        let metrics = ServiceMetrics()
        let health = HealthBoard()
        let services = try TickPublisher.makeServices(
            configuration: configuration, sealer: try GrantSealer.fromEnvironment(environment), producer: producer,
            metrics: metrics, health: health, logger: logger)
        try await self.service.run(
            name: "tick-publisher", defaultPort: 9466, services: services, health: health, metrics: metrics, logger: logger)
    }
}
