public import Foundation
public import GrantSealing
public import KafkaBridge
public import Logging
import Messages
public import ServiceLifecycle
public import ServiceRuntime
public import ServiceSupport
import VenueKit
import VenueMT4Server
import VenueCPlugin
import VenueMagnr
import VenueDeriv
import VenueCTrader

/// Settings of the auth-token-broker.
///
/// ## Configuration keys
/// - `venuesFile` (path, `TRADEWIRE_VENUES_FILE`): the venue configuration file (see ``VenueConfigurationFile``)
/// - `stateDirectory` (path, default `./.tradewire/auth-token-broker`): grant versions (and, with cTrader, rotated
///   refresh tokens), written atomically before use
/// - `refreshMargin` (duration, default 60 s): log in again this long before a session expires
/// - seal keys: `TRADEWIRE_SEAL_KEY` or `TRADEWIRE_SEAL_KEY_FILE` (see ``GrantSealer/fromEnvironment(_:)``)
public struct AuthTokenBrokerConfiguration: Sendable {
    /// The venues.
    public var venues: VenueConfigurationFile
    /// Where durable state lives.
    public var stateDirectory: URL
    /// Refresh ahead of expiry by this much.
    public var refreshMargin: Duration
    /// Kafka consumer settings for `auth.refresh-requests` (group `auth-token-broker`).
    public var consumer: KafkaConsumerConfiguration

    /// Settings with defaults.
    public init(venues: VenueConfigurationFile, stateDirectory: URL, bootstrapServers: [String] = KafkaBootstrap.fromEnvironment()) {
        self.venues = venues
        self.stateDirectory = stateDirectory
        self.refreshMargin = .seconds(60)
        self.consumer = KafkaConsumerConfiguration(groupID: "auth-token-broker", bootstrapServers: bootstrapServers)
        self.consumer.autoOffsetReset = .latest
    }
}

/// The auth-token-broker: the only process that holds venue secrets. Publishes sealed session grants to
/// `auth.tokens`, refreshes them ahead of expiry and on `auth.refresh-requests`, and reports `auth.events`.
public enum AuthTokenBroker {
    /// Builds the services of one broker process, in dependency order (producer and consumer first).
    ///
    /// Secrets are resolved here, once, and fail fast when missing.
    public static func makeServices(
        configuration: AuthTokenBrokerConfiguration, sealer: GrantSealer, producer: KafkaProducer,
        environment: [String: String] = ProcessInfo.processInfo.environment, metrics: ServiceMetrics = ServiceMetrics(),
        health: HealthBoard = HealthBoard(), logger: Logger
    ) throws -> [any Service] {
        let versions = try GrantVersionStore(directory: configuration.stateDirectory)
        let publisher = GrantPublisher(
            producer: producer, sealer: sealer, serviceName: "auth-token-broker", metrics: metrics, health: health)
        var workers: [VenueGrantWorker] = []
        for venue in configuration.venues.venues {
            let login = try Self.login(
                for: venue, environment: environment, stateDirectory: configuration.stateDirectory, logger: logger)
            health.set("venue:\(venue.id)", problem: "no grant published yet")
            workers.append(VenueGrantWorker(
                venue: venue, login: login, publisher: publisher, versions: versions,
                refreshMargin: configuration.refreshMargin, logger: logger))
        }
        let consumer = try KafkaConsumer(
            configuration: configuration.consumer, topics: [TopicCatalogue.authRefreshRequests.name], logger: logger)
        let core = AuthTokenBrokerService(workers: workers, consumer: consumer, publisher: publisher, logger: logger)
        return [producer, consumer, core]
    }

    /// The protocol module's login for `venue`, with its secret resolved now.
    static func login(
        for venue: VenueDefinition, environment: [String: String], stateDirectory: URL, logger: Logger
    ) throws
        -> @Sendable () async throws(VenueError) -> (VenueSessionGrant.Material, Date?)
    {
        switch venue.protocol {
        case .mt4server:
            guard let broker = venue.broker, let reference = venue.secrets["apiKey"] else {
                throw VenueConfigurationError("venue \(venue.id): mt4server needs broker and secrets.apiKey")
            }
            let apiKey = try reference.resolve(environment: environment)
            let configuration = MT4ServerConfiguration(endpoint: venue.endpoint, broker: broker)
            return { () async throws(VenueError) in
                let (jwt, expiresAt) = try await MT4ServerLogin.login(configuration: configuration, apiKey: apiKey)
                return (.mt4server(jwt: jwt), expiresAt)
            }
        case .cplugin:
            guard let reference = venue.secrets["clientSecret"] else {
                throw VenueConfigurationError("venue \(venue.id): cplugin needs secrets.clientSecret")
            }
            let clientSecret = try reference.resolve(environment: environment)
            let configuration = try CPluginConfiguration(venue)
            return { () async throws(VenueError) in
                let (token, expiresAt) = try await CPluginLogin.login(configuration: configuration, clientSecret: clientSecret)
                return (.cplugin(accessToken: token), expiresAt)
            }
        case .magnr:
            // Magnr signs every request with the key pair itself: the grant carries the pair (sealed), without expiry.
            // The broker makes no request of its own, so the executor's tonces are the only ones used with the key.
            guard let settings = venue.magnr, let reference = venue.secrets["privateKey"] else {
                throw VenueConfigurationError("venue \(venue.id): magnr needs magnr.publicKey and secrets.privateKey")
            }
            let privateKey = try reference.resolve(environment: environment)
            return { () async throws(VenueError) in (.magnr(publicKey: settings.publicKey, privateKey: privateKey), nil) }
        case .deriv:
            // Deriv API tokens do not expire and cannot be refreshed: the broker proves the token works (authorize)
            // before granting it, and again on every refresh request; a refused token is reported revoked.
            guard let reference = venue.secrets["apiToken"] else {
                throw VenueConfigurationError("venue \(venue.id): deriv needs secrets.apiToken")
            }
            let apiToken = try reference.resolve(environment: environment)
            let configuration = try DerivConfiguration(venue)
            return { () async throws(VenueError) in
                _ = try await DerivLogin.verify(configuration: configuration, apiToken: apiToken, venueID: venue.id, logger: logger)
                return (.deriv(apiToken: apiToken), nil)
            }
        case .ctrader:
            return try self.ctraderLogin(for: venue, environment: environment, stateDirectory: stateDirectory, logger: logger)
        }
    }

    /// cTrader: the broker alone refreshes (2173/2174). The refresh token is single use, so its successor is stored
    /// durably (``CTraderTokenStore``) before the new access token is granted; after a restart the stored access token
    /// is granted as long as it stays valid, without rotating anything.
    private static func ctraderLogin(
        for venue: VenueDefinition, environment: [String: String], stateDirectory: URL, logger: Logger
    ) throws -> @Sendable () async throws(VenueError) -> (VenueSessionGrant.Material, Date?) {
        guard let settings = venue.ctrader, let secretReference = venue.secrets["clientSecret"],
            let refreshReference = venue.secrets["refreshToken"]
        else {
            throw VenueConfigurationError("venue \(venue.id): ctrader needs ctrader.clientId, secrets.clientSecret and secrets.refreshToken")
        }
        let clientSecret = try secretReference.resolve(environment: environment)
        let store = try CTraderTokenStore(
            directory: stateDirectory, venue: venue.id, configuredRefreshToken: try refreshReference.resolve(environment: environment))
        let configuration = try CTraderConfiguration(venue)
        return { () async throws(VenueError) in
            func grant(_ accessToken: VenueSecret) -> VenueSessionGrant.Material {
                .ctrader(clientID: settings.clientId, clientSecret: clientSecret, accessToken: accessToken, accountID: settings.accountId)
            }
            if let (accessToken, expiresAt) = store.storedAccessTokenOnce(validFor: .seconds(3_600)) {
                return (grant(accessToken), expiresAt)
            }
            let tokens = try await CTraderLogin.refresh(
                configuration: configuration, clientID: settings.clientId, clientSecret: clientSecret,
                refreshToken: store.refreshToken, venueID: venue.id, logger: logger)
            do {
                try store.save(tokens)
            } catch {
                throw VenueError(.venueFailure, venue: venue.id, reason: "the rotated refresh token could not be stored durably")
            }
            return (grant(tokens.accessToken), tokens.expiresAt)
        }
    }
}

/// Runs one grant worker per venue and routes refresh requests to them.
final class AuthTokenBrokerService: Service, Sendable {
    private let workers: [String: VenueGrantWorker]
    private let consumer: KafkaConsumer
    private let publisher: GrantPublisher
    private let logger: Logger

    init(workers: [VenueGrantWorker], consumer: KafkaConsumer, publisher: GrantPublisher, logger: Logger) {
        self.workers = Dictionary(uniqueKeysWithValues: workers.map { ($0.venue.id, $0) })
        self.consumer = consumer
        self.publisher = publisher
        self.logger = logger
    }

    func run() async throws {
        do {
            try await self.serve()
        } catch is CancellationError {
            // Graceful shutdown cancels the workers: a normal stop.
        }
    }

    private func serve() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in self.workers.values { group.addTask { try await worker.run() } }
                group.addTask { try await self.serveRefreshRequests() }
                group.addTask { try await self.publisher.publishAges() }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private func serveRefreshRequests() async throws {
        for try await message in self.consumer.messages {
            do {
                let request = try WireFormat.decode(TokenRefreshRequest.self, from: message.value)
                if let worker = self.workers[request.venue] {
                    self.logger.info("Refresh requested", metadata: [
                        "venue.name": "\(request.venue)", "auth.stale.version": "\(request.staleVersion.map(String.init) ?? "-")",
                        "auth.requested.by": "\(request.requestedBy)",
                    ])
                    worker.requestRefresh(staleVersion: request.staleVersion)
                } else {
                    self.logger.info("Refresh requested for an unknown venue", metadata: ["venue.name": "\(request.venue)"])
                }
            } catch {
                self.logger.warning("Unreadable refresh request skipped", metadata: ["error": "\(error)"])
            }
            try? self.consumer.markProcessed(message)
        }
    }
}
