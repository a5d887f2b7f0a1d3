import Foundation
public import GrantSealing
public import KafkaBridge
public import Logging
import Messages
public import ServiceLifecycle
import Synchronization
public import VenueKit

/// Follows `auth.tokens` (from the earliest offset, with a consumer group unique to the process, so every instance
/// sees every grant), opens each sealed grant and hands it to the venue's token source. A grant that does not open
/// (unknown key, tampered, another venue's) is logged and ignored; an older version than the one in use never
/// replaces it (``GrantTokenSource/apply(_:)``).
public final class GrantFeed: Service, Sendable {
    private let consumer: KafkaConsumer
    private let sealer: GrantSealer
    private let sources: [String: GrantTokenSource]
    private let replay = TopicReplay(topic: TopicCatalogue.authTokens)
    private let issuedAt = Mutex<[String: Date]>([:])
    private let metrics: ServiceMetrics
    private let health: HealthBoard
    private let logger: Logger

    /// A feed for the venues in `sources` (venue id → token source).
    public init(
        consumer: KafkaConsumer, sealer: GrantSealer, sources: [String: GrantTokenSource], metrics: ServiceMetrics,
        health: HealthBoard, logger: Logger
    ) {
        self.consumer = consumer
        self.sealer = sealer
        self.sources = sources
        self.metrics = metrics
        self.health = health
        self.logger = logger
        for venue in sources.keys { health.set("grant:\(venue)", problem: "no session grant yet") }
    }

    /// A consumer configuration for the feed: a group unique to this process, reading from the earliest offset.
    public static func consumerConfiguration(service: String, bootstrapServers: [String]) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            groupID: "\(service)-grants-\(UUID().uuidString.lowercased())", bootstrapServers: bootstrapServers)
        configuration.autoOffsetReset = .earliest
        return configuration
    }

    /// Returns once every grant on the topic at start has been applied.
    public func waitUntilReplayed() async { await self.replay.wait() }

    public func run() async throws {
        try await self.replay.captureTargets(using: self.consumer)
        do {
            try await cancelWhenGracefulShutdown { try await self.follow() }
        } catch is CancellationError {
            // Graceful shutdown.
        }
    }

    private func follow() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.publishAges() }
            group.addTask {
                for try await message in self.consumer.messages {
                    await self.apply(message)
                    self.replay.observe(partition: message.partition, offset: message.offset)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func apply(_ message: KafkaConsumerMessage) async {
        let grant: VenueSessionGrant
        do {
            grant = try self.sealer.open(try WireFormat.decode(TokenGrant.self, from: message.value))
        } catch {
            self.logger.warning("Grant ignored", metadata: [
                "kafka.offset": "\(message.offset)", "venue.name": "\(message.keyString ?? "-")", "error": "\(error)",
            ])
            return
        }
        guard let source = self.sources[grant.venue] else { return }
        if await source.apply(grant) {
            self.issuedAt.withLock { $0[grant.venue] = grant.issuedAt }
            self.metrics.grantAge(venue: grant.venue, seconds: Date().timeIntervalSince(grant.issuedAt))
            let expired = grant.expiresAt.map { $0 <= Date() } ?? false
            self.health.set("grant:\(grant.venue)", problem: expired ? "the latest grant has expired" : nil)
            self.logger.info("Grant applied", metadata: ["venue.name": "\(grant.venue)", "grant.version": "\(grant.version)"])
        }
    }

    private func publishAges() async throws {
        while true {
            let now = Date()
            for (venue, issued) in self.issuedAt.withLock({ $0 }) {
                self.metrics.grantAge(venue: venue, seconds: now.timeIntervalSince(issued))
            }
            try await Task.sleep(for: .seconds(1))
        }
    }
}

/// Publishes `TokenRefreshRequest`s to `auth.refresh-requests` for the token sources (``GrantTokenSource``'s
/// `requestRefresh`).
public struct RefreshRequester: Sendable {
    private let producer: KafkaProducer
    private let requestedBy: String
    private let metrics: ServiceMetrics
    private let logger: Logger

    /// A requester signing its requests as `requestedBy` (service and instance).
    public init(producer: KafkaProducer, requestedBy: String, metrics: ServiceMetrics, logger: Logger) {
        self.producer = producer
        self.requestedBy = requestedBy
        self.metrics = metrics
        self.logger = logger
    }

    /// Asks for a grant newer than `staleVersion` of `venue` because the venue refused it.
    public func request(venue: String, staleVersion: Int) async {
        let request = TokenRefreshRequest(
            requestId: UUID(), venue: venue, reason: .rejectedByVenue, staleVersion: staleVersion,
            requestedBy: self.requestedBy, requestedAt: .now())
        do {
            _ = try await self.producer.send(KafkaProducerMessage(
                topic: TopicCatalogue.authRefreshRequests.name, key: venue, value: try WireFormat.encode(request)))
            self.metrics.refreshRequested(venue: venue)
            self.logger.info("Token refresh requested", metadata: ["venue.name": "\(venue)", "grant.version": "\(staleVersion)"])
        } catch {
            self.logger.error("Token refresh request not sent", metadata: ["venue.name": "\(venue)", "error": "\(error)"])
        }
    }

    /// A token source for `venue` whose refresh requests go through this requester.
    public func tokenSource(
        venue: String, waitTimeout: Duration = .seconds(10),
        extract: @escaping @Sendable (VenueSessionGrant.Material) -> VenueSecret?
    ) -> GrantTokenSource {
        GrantTokenSource(venue: venue, waitTimeout: waitTimeout, extract: extract) { staleVersion in
            await self.request(venue: venue, staleVersion: staleVersion)
        }
    }
}
