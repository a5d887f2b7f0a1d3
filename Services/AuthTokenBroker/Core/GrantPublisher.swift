import Foundation
import Synchronization
import GrantSealing
import KafkaBridge
import Messages
import ServiceRuntime
import ServiceSupport
import VenueKit

/// Seals grants and publishes them with their `AuthEvent`s. Only sealed bytes and metadata reach Kafka.
final class GrantPublisher: Sendable {
    let producer: KafkaProducer
    let sealer: GrantSealer
    let serviceName: String
    let metrics: ServiceMetrics
    let health: HealthBoard
    /// When each venue's latest grant was issued (for the grant-age gauge).
    let issued = Mutex<[String: Date]>([:])

    init(producer: KafkaProducer, sealer: GrantSealer, serviceName: String, metrics: ServiceMetrics, health: HealthBoard) {
        self.producer = producer
        self.sealer = sealer
        self.serviceName = serviceName
        self.metrics = metrics
        self.health = health
    }

    /// Updates the grant-age gauges every second until cancelled.
    func publishAges() async throws {
        while true {
            let now = Date()
            for (venue, issuedAt) in self.issued.withLock({ $0 }) {
                self.metrics.grantAge(venue: venue, seconds: now.timeIntervalSince(issuedAt))
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Publishes the sealed grant (waiting for the broker's acknowledgement), then the event.
    func publish(_ grant: VenueSessionGrant, kind: AuthEventKind) async throws {
        let message = try self.sealer.seal(grant)
        _ = try await self.producer.send(KafkaProducerMessage(
            topic: TopicCatalogue.authTokens.name, key: grant.venue, value: try WireFormat.encode(message),
            headers: [KafkaHeader(key: "schema", string: "token-grant/v1")]))
        let event = AuthEvent(
            eventId: UUID(), venue: grant.venue, protocol: grant.material.venueProtocol, kind: kind,
            version: grant.version, expiresAt: message.expiresAt, time: .now())
        self.metrics.grantPublished(venue: grant.venue)
        self.issued.withLock { $0[grant.venue] = grant.issuedAt }
        self.health.set("venue:\(grant.venue)", problem: nil)
        try await self.publish(event)
    }

    /// Publishes a failed login as `failed_transient` or `failed_revoked` (the reason is safe to log; no secrets).
    func failure(venue: VenueDefinition, revoked: Bool, reason: String) async throws {
        self.metrics.refreshFailed(venue: venue.id, revoked: revoked)
        self.health.set("venue:\(venue.id)", problem: revoked ? "credentials refused" : "login failing")
        let event = AuthEvent(
            eventId: UUID(), venue: venue.id, protocol: venue.protocol, kind: revoked ? .failedRevoked : .failedTransient,
            error: Reason(code: revoked ? "credentials_refused" : "venue_unavailable", message: reason), time: .now())
        try await self.publish(event)
    }

    private func publish(_ event: AuthEvent) async throws {
        _ = try await self.producer.send(KafkaProducerMessage(
            topic: TopicCatalogue.authEvents.name, key: event.venue, value: try WireFormat.encode(event),
            headers: [KafkaHeader(key: "schema", string: "auth-event/v1")]))
    }
}

/// Grant versions per venue, persisted so they keep increasing across restarts (durable atomic write before publishing).
final class GrantVersionStore: Sendable {
    private let file: URL
    private let versions: Synchronization.Mutex<[String: Int]>

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.file = directory.appendingPathComponent("grant-versions.json")
        let stored = (try? Data(contentsOf: self.file)).flatMap { try? JSONDecoder().decode([String: Int].self, from: $0) }
        self.versions = .init(stored ?? [:])
    }

    /// The last version issued for `venue`.
    func current(_ venue: String) -> Int? { self.versions.withLock { $0[venue] } }

    /// Reserves the next version and persists it before it is used.
    func next(_ venue: String) throws -> Int {
        try self.versions.withLock { versions in
            var updated = versions
            let next = (updated[venue] ?? 0) + 1
            updated[venue] = next
            try DurableFile.write(try JSONEncoder().encode(updated), to: self.file)
            versions = updated
            return next
        }
    }
}
