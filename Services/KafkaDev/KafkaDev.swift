import ArgumentParser
import EmbeddedKafka
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `kafka-dev`: the embedded Kafka broker for `make run` and the end-to-end tests (in memory; development only).
@main
struct KafkaDev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-dev",
        abstract: "Embedded Kafka broker (librdkafka mock cluster, in memory) with Tradewire's topic catalogue.",
        discussion: "For development and tests only: all data is lost when it stops. Production uses Apache Kafka.")

    @Option(help: "Address to listen on.")
    var bind = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free port).")
    var port = 9092

    @Option(help: "Number of mock brokers.")
    var brokers = 1

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel = "info"

    func run() async throws {
        var logger = Logger(label: "kafka-dev")
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
        let broker = try EmbeddedKafkaBroker(brokers: self.brokers, logger: logger)
        let forwarder = try await KafkaPortForwarder.bind(
            host: self.bind, port: self.port, target: broker.firstBrokerAddress, logger: logger)
        let advertisedHost = self.bind == "0.0.0.0" ? "127.0.0.1" : self.bind
        // Written straight to the file descriptor (unbuffered): scripts and tests wait for the bootstrap line.
        let banner = "kafka-dev: in-memory Kafka for development and tests (data is lost on exit), "
            + "\(broker.topics.count) topics\nbootstrap=\(advertisedHost):\(forwarder.port)\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: forwarder)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        withExtendedLifetime(broker) {}
        FileHandle.standardOutput.write(Data("kafka-dev: stopped, data discarded\n".utf8))
    }
}
