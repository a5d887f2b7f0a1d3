public import Foundation
public import GrantSealing
public import KafkaBridge
public import Logging
import Messages
public import ServiceLifecycle
public import ServiceRuntime
public import ServiceSupport
import VenueKit

/// Settings of the tick-publisher.
///
/// ## Configuration keys
/// - `venuesFile` (path, `TRADEWIRE_VENUES_FILE`): the shared venue file; each venue's `symbols` are subscribed
///   (all the venue publishes when absent)
/// - `staleAfter` (duration, default 3 s): a venue whose subscribed symbols have not all quoted within this time, or
///   whose stream is down, is reported `degraded` on `venues.status`
/// - `linger` (duration, default 5 ms): producer batching of ticks
/// - Kafka: `KAFKA_BROKERS`
public struct TickPublisherConfiguration: Sendable {
    /// The venues.
    public var venues: VenueConfigurationFile
    /// This instance's name (in `VenueStatus.reportedBy`).
    public var instanceID: String
    /// Kafka bootstrap servers.
    public var bootstrapServers: [String]
    /// Silence after which a feed is stale.
    public var staleAfter: Duration
    /// Producer linger for ticks.
    public var linger: Duration

    /// Settings with defaults.
    public init(
        venues: VenueConfigurationFile, instanceID: String = ProcessInfo.processInfo.hostName,
        bootstrapServers: [String] = KafkaBootstrap.fromEnvironment()
    ) {
        self.venues = venues
        self.instanceID = instanceID
        self.bootstrapServers = bootstrapServers
        self.staleAfter = .seconds(3)
        self.linger = .milliseconds(5)
    }

    /// The producer settings for ticks: batched, idempotent.
    public var producer: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: self.bootstrapServers)
        configuration.clientID = "tick-publisher"
        configuration.linger = self.linger
        configuration.properties["batch.num.messages"] = "10000"
        configuration.properties["queue.buffering.max.messages"] = "500000"
        return configuration
    }
}

/// The tick-publisher: one market-data session per venue; normalized `Tick`s to `market.ticks` (key `venue:symbol`,
/// per-key sequence numbers), feed health to `venues.status`, run-time subscriptions from `market.subscriptions`.
public enum TickPublisher {
    /// Builds the services of one tick-publisher process: producer, grant feed, subscription feed, the feeds.
    public static func makeServices(
        configuration: TickPublisherConfiguration, sealer: GrantSealer, producer: KafkaProducer, metrics: ServiceMetrics,
        health: HealthBoard, logger: Logger
    ) throws -> [any Service] {
        let servers = configuration.bootstrapServers
        let requester = RefreshRequester(
            producer: producer, requestedBy: "tick-publisher/\(configuration.instanceID)", metrics: metrics, logger: logger)
        let configured = try VenueConnections.make(venues: configuration.venues, requester: requester, logger: logger)
        // Venues without quotes (Magnr) are left out: no feed, no grant to wait for, no staleness to report.
        let connections = configured.filter { $0.value.gateway.capabilities.hasTicks }
        for venue in configured.keys.sorted() where connections[venue] == nil {
            logger.notice("Venue publishes no quotes; not streamed", metadata: ["venue.name": "\(venue)"])
        }

        let grantConsumer = try KafkaConsumer(
            configuration: GrantFeed.consumerConfiguration(service: "tick-publisher", bootstrapServers: servers),
            topics: [TopicCatalogue.authTokens.name], logger: logger)
        let grants = GrantFeed(
            consumer: grantConsumer, sealer: sealer, sources: connections.mapValues(\.tokens), metrics: metrics,
            health: health, logger: logger)

        var subscriptionSettings = KafkaConsumerConfiguration(
            groupID: "tick-publisher-subscriptions-\(UUID().uuidString.lowercased())", bootstrapServers: servers)
        subscriptionSettings.autoOffsetReset = .earliest
        let subscriptionConsumer = try KafkaConsumer(
            configuration: subscriptionSettings, topics: [TopicCatalogue.marketSubscriptions.name], logger: logger)

        let publisher = TickSink(producer: producer, metrics: metrics, logger: logger)
        let feeds = connections.values.sorted { $0.definition.id < $1.definition.id }.map { connection in
            VenueFeed(
                connection: connection, sink: publisher, staleAfter: configuration.staleAfter,
                reportedBy: "tick-publisher/\(configuration.instanceID)", health: health, logger: logger)
        }
        let core = TickPublisherService(
            feeds: feeds, sink: publisher, subscriptions: subscriptionConsumer, logger: logger)
        return [producer, grantConsumer, grants, subscriptionConsumer, core]
    }
}

/// Runs the venue feeds and applies subscription commands.
final class TickPublisherService: Service, Sendable {
    private let feeds: [String: VenueFeed]
    private let sink: TickSink
    private let subscriptions: KafkaConsumer
    private let logger: Logger

    init(feeds: [VenueFeed], sink: TickSink, subscriptions: KafkaConsumer, logger: Logger) {
        self.feeds = Dictionary(uniqueKeysWithValues: feeds.map { ($0.venue, $0) })
        self.sink = sink
        self.subscriptions = subscriptions
        self.logger = logger
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await self.sink.drainDeliveryReports() }
                    for feed in self.feeds.values { group.addTask { await feed.run() } }
                    group.addTask { try await self.applySubscriptions() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
            // Graceful shutdown.
        }
    }

    private func applySubscriptions() async throws {
        for try await message in self.subscriptions.messages {
            do {
                let command = try WireFormat.decode(MarketSubscription.self, from: message.value)
                if let feed = self.feeds[command.venue] {
                    await feed.apply(command)
                } else {
                    self.logger.warning("Subscription for an unknown venue ignored", metadata: ["venue.name": "\(command.venue)"])
                }
            } catch {
                self.logger.warning("Unreadable subscription command ignored", metadata: [
                    "kafka.offset": "\(message.offset)", "error": "\(error)",
                ])
            }
            try? self.subscriptions.markProcessed(message)
        }
    }
}
