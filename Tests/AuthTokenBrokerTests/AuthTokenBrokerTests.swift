import AsyncHTTPClient
import AuthTokenBrokerCore
import EmbeddedKafka
import Foundation
import GrantSealing
import KafkaBridge
import Logging
import Messages
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import ServiceSupport
import Synchronization
import TestSupport
import Testing
import VenueKit
import VenueMT4Server
import VenueSimulator

private let logger: Logger = {
    var logger = Logger(label: "auth-test")
    logger.logLevel = .warning
    return logger
}()

/// Collects every record of some topics (raw bytes kept, to search them for secrets).
private final class TopicCollector: Service, Sendable {
    let consumer: KafkaConsumer
    private let records = Mutex<[KafkaConsumerMessage]>([])

    init(bootstrap: String, topics: [String]) throws {
        var configuration = KafkaConsumerConfiguration(groupID: "collector-\(UUID())", bootstrapServers: [bootstrap])
        configuration.sessionTimeout = .seconds(3)
        configuration.fetchWaitMax = .milliseconds(5)
        self.consumer = try KafkaConsumer(configuration: configuration, topics: topics, logger: logger)
    }

    func run() async throws {
        for try await message in self.consumer.messages.cancelOnGracefulShutdown() {
            self.records.withLock { $0.append(message) }
        }
    }

    func on(_ topic: TopicSpec) -> [KafkaConsumerMessage] { self.records.withLock { $0.filter { $0.topic == topic.name } } }
    func grants() throws -> [TokenGrant] { try self.on(TopicCatalogue.authTokens).map { try WireFormat.decode(TokenGrant.self, from: $0.value) } }
    func events() throws -> [AuthEvent] { try self.on(TopicCatalogue.authEvents).map { try WireFormat.decode(AuthEvent.self, from: $0.value) } }
    var rawText: String { self.records.withLock { $0.map { String(decoding: $0.value, as: UTF8.self) }.joined(separator: "\n") } }
}

private let sealer = try! GrantSealer(keys: [GrantSealKey(id: "test-key", rawKey: Data(repeating: 7, count: 32))])

private func venueFile(mt4Port: Int, apiKeyVariable: String) throws -> VenueConfigurationFile {
    try VenueConfigurationFile.parse(Data("""
        {"venues": [{"id": "mt4-demo", "protocol": "mt4server", "endpoint": "http://127.0.0.1:\(mt4Port)",
          "broker": "demo", "secrets": {"apiKey": {"env": "\(apiKeyVariable)"}}}]}
        """.utf8))
}

/// Runs broker, simulator and auth-token-broker; `body` gets the collector and a producer for refresh requests.
private func withAuthStack(
    apiKey: String, _ body: (TopicCollector, KafkaProducer, SimulatorPorts) async throws -> Void
) async throws {
    let kafka = try EmbeddedKafkaBroker(logger: logger)
    let simulator = try VenueSimulator(configuration: .ephemeral, logger: logger)
    try await withRunningServices([simulator], logger: logger) {
        let listeners = try await simulator.listeners()
        let ports = SimulatorPorts(mt4: listeners.mt4Server!.port, admin: listeners.admin.port)
        var configuration = AuthTokenBrokerConfiguration(
            venues: try venueFile(mt4Port: ports.mt4, apiKeyVariable: "MT4_DEMO_API_KEY"),
            stateDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("atb-\(UUID())"),
            bootstrapServers: [kafka.bootstrapServers])
        configuration.consumer.sessionTimeout = .seconds(3)
        configuration.consumer.autoOffsetReset = .earliest
        var producerSettings = KafkaProducerConfiguration(bootstrapServers: [kafka.bootstrapServers])
        producerSettings.linger = .zero
        let brokerProducer = try KafkaProducer(configuration: producerSettings, logger: logger)
        let services = try AuthTokenBroker.makeServices(
            configuration: configuration, sealer: sealer, producer: brokerProducer,
            environment: ["MT4_DEMO_API_KEY": apiKey], logger: logger)
        let collector = try TopicCollector(
            bootstrap: kafka.bootstrapServers, topics: [TopicCatalogue.authTokens.name, TopicCatalogue.authEvents.name])
        let requester = try KafkaProducer(configuration: producerSettings, logger: logger)
        try await withRunningServices([collector.consumer, collector, requester] + services, logger: logger) {
            try await body(collector, requester, ports)
        }
    }
}

private struct SimulatorPorts: Sendable {
    var mt4: Int
    var admin: Int
}

@Suite(.timeLimit(.minutes(2)))
struct AuthTokenBrokerTests {
    @Test func aSealedGrantIsPublishedAndItsTokenWorksAtTheVenue() async throws {
        try await withAuthStack(apiKey: "sim-mt4-api-key") { collector, _, ports in
            #expect(try await eventually(timeout: .seconds(20)) { try collector.grants().count >= 1 })
            let message = try #require(try collector.grants().first)
            #expect(message.venue == "mt4-demo")
            #expect(message.version == 1)
            #expect(message.keyId == "test-key")
            let grant = try sealer.open(message)
            guard case .mt4server(let jwt) = grant.material else {
                Issue.record("expected MT4Server material")
                return
            }
            // The executor's side: a session built from the grant alone trades at the venue.
            let configuration = MT4ServerConfiguration(endpoint: URL(string: "http://127.0.0.1:\(ports.mt4)")!, broker: "demo")
            let fromGrant = VenueTokenCache { () async throws(VenueError) in (jwt, grant.expiresAt) }
            let client = try MT4ServerClient(venueID: "mt4-demo", configuration: configuration, tokens: fromGrant, logger: logger)
            #expect(try await client.balance() == 10_000)

            #expect(try await eventually { try collector.events().contains { $0.kind == .issued && $0.version == 1 } })
            #expect(!collector.rawText.contains("sim-mt4-api-key"), "the API key never reaches Kafka")
            #expect(!collector.rawText.contains(jwt.value), "the JWT never reaches Kafka unsealed")
        }
    }

    @Test func aRefreshRequestForTheCurrentVersionIssuesTheNextOneAndAStaleRequestDoesNot() async throws {
        try await withAuthStack(apiKey: "sim-mt4-api-key") { collector, requester, _ in
            #expect(try await eventually(timeout: .seconds(20)) { try collector.grants().count == 1 })
            func request(stale: Int) async throws {
                let refresh = TokenRefreshRequest(
                    requestId: UUID(), venue: "mt4-demo", reason: .rejectedByVenue, staleVersion: stale,
                    requestedBy: "order-executor-test", requestedAt: .now())
                _ = try await requester.send(KafkaProducerMessage(
                    topic: TopicCatalogue.authRefreshRequests.name, key: "mt4-demo", value: try WireFormat.encode(refresh)))
            }
            try await request(stale: 1)
            #expect(try await eventually(timeout: .seconds(20)) { try collector.grants().map(\.version) == [1, 2] })
            #expect(try await eventually { try collector.events().contains { $0.kind == .refreshed && $0.version == 2 } })
            try await request(stale: 1)  // already replaced by v2: nothing to do
            try await Task.sleep(for: .milliseconds(800))
            #expect(try collector.grants().map(\.version) == [1, 2])
            let versions = try collector.grants().map { try sealer.open($0).version }
            #expect(versions == [1, 2])
        }
    }

    @Test func anExecutorSessionOnGrantsRecoversFromAnExpiredTokenThroughARefreshRequest() async throws {
        try await withAuthStack(apiKey: "sim-mt4-api-key") { collector, requester, ports in
            // The executor side: no secrets, only grants from auth.tokens and refresh requests to auth.refresh-requests.
            let source = GrantTokenSource(
                venue: "mt4-demo", waitTimeout: .seconds(15),
                extract: { material in if case .mt4server(let jwt) = material { jwt } else { nil } },
                requestRefresh: { stale in
                    let refresh = TokenRefreshRequest(
                        requestId: UUID(), venue: "mt4-demo", reason: .rejectedByVenue, staleVersion: stale,
                        requestedBy: "executor-test", requestedAt: .now())
                    _ = try? await requester.send(KafkaProducerMessage(
                        topic: TopicCatalogue.authRefreshRequests.name, key: "mt4-demo", value: try! WireFormat.encode(refresh)))
                })
            let feed = Task {
                while !Task.isCancelled {
                    for message in (try? collector.grants()) ?? [] { _ = await source.apply(try sealer.open(message)) }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            defer { feed.cancel() }
            let configuration = MT4ServerConfiguration(endpoint: URL(string: "http://127.0.0.1:\(ports.mt4)")!, broker: "demo")
            let client = try MT4ServerClient(venueID: "mt4-demo", configuration: configuration, tokens: source, logger: logger)
            #expect(try await client.balance() == 10_000)
            #expect(await source.currentVersion == 1)

            var expire = HTTPClientRequest(url: "http://127.0.0.1:\(ports.admin)/mt4server/faults")
            expire.method = .POST
            expire.body = .bytes(ByteBuffer(string: #"{"expireTokens": true}"#))
            #expect(try await HTTPClient.shared.execute(expire, timeout: .seconds(5)).status == .ok)

            // The venue refuses v1; the session asks for a refresh, waits for v2, and the order goes through.
            guard case .accepted = await client.place(VenuePlaceRequest(clientOrderID: "c-r", symbol: "BTCUSD", side: .buy, quantity: 1)) else {
                Issue.record("the order should succeed after the grant was refreshed")
                return
            }
            #expect(await source.currentVersion == 2)
            #expect(try collector.events().contains { $0.kind == .refreshed && $0.version == 2 })
        }
    }

    @Test func aRefusedAPIKeyIsReportedAsRevokedWithoutAGrantOrTheKey() async throws {
        try await withAuthStack(apiKey: "wrong-api-key-123") { collector, _, _ in
            #expect(try await eventually(timeout: .seconds(20)) { try collector.events().contains { $0.kind == .failedRevoked } })
            let event = try #require(try collector.events().first { $0.kind == .failedRevoked })
            #expect(event.error?.code == "credentials_refused")
            #expect(try collector.grants().isEmpty)
            #expect(!collector.rawText.contains("wrong-api-key-123"))
        }
    }
}

@Suite
struct VenueConfigurationFileTests {
    @Test func secretsAreReferencesResolvedOnlyOnRequestAndErrorsNeverShowThem() throws {
        let file = try VenueConfigurationFile.parse(Data("""
            {"venues": [{"id": "mt4-ava", "protocol": "mt4server", "endpoint": "http://127.0.0.1:8801", "broker": "ava",
              "limits": {"maxQuantity": "5", "requestsPerSecond": 10},
              "secrets": {"apiKey": {"file": "/nonexistent/secret"}}}]}
            """.utf8))
        let venue = try #require(file.venue("mt4-ava"))
        #expect(venue.limits.maxQuantity == 5)
        let error = #expect(throws: VenueConfigurationError.self) { _ = try venue.secrets["apiKey"]!.resolve(environment: [:]) }
        #expect(error?.description.contains("/nonexistent/secret") == true)
        #expect(try SecretReference.environment("K").resolve(environment: ["K": "s3cret"]).description == "<redacted>")
    }

    @Test func invalidFilesAreRefusedWithTheReason() {
        let cases: [(String, String)] = [
            (#"{"venues": [{"id": "Bad Id", "protocol": "mt4server", "endpoint": "http://x", "broker": "ava", "secrets": {"apiKey": {"env": "K"}}}]}"#, "venue id"),
            (#"{"venues": [{"id": "a", "protocol": "fix", "endpoint": "http://x"}]}"#, "protocol"),
            (#"{"venues": [{"id": "a", "protocol": "mt4server", "endpoint": "http://x", "broker": "ava"}]}"#, "apiKey"),
            (#"{"venues": [{"id": "a", "protocol": "mt4server", "endpoint": "http://x", "broker": "ava", "limits": {"maxQuantity": 5}, "secrets": {"apiKey": {"env": "K"}}}]}"#, "maxQuantity"),
            (#"{"venues": [{"id": "c", "protocol": "cplugin", "endpoint": "http://x", "symbols": ["EURUSD"], "secrets": {"clientSecret": {"env": "S"}}}]}"#, "cplugin object"),
            (#"{"venues": [{"id": "c", "protocol": "cplugin", "endpoint": "http://x", "cplugin": {"tradePlatform": "nope", "login": 1, "clientId": "c"}, "symbols": ["EURUSD"], "secrets": {"clientSecret": {"env": "S"}}}]}"#, "GUID"),
            (#"{"venues": [{"id": "c", "protocol": "cplugin", "endpoint": "http://x", "cplugin": {"tradePlatform": "00000000-0000-0000-0000-000000000001", "login": 1, "clientId": "c"}, "secrets": {"clientSecret": {"env": "S"}}}]}"#, "symbols"),
            (#"{"venues": [{"id": "c", "protocol": "cplugin", "endpoint": "http://x", "cplugin": {"tradePlatform": "00000000-0000-0000-0000-000000000001", "login": 1, "clientId": "c"}, "symbols": ["EURUSD"]}]}"#, "clientSecret"),
            (#"{"venues": [{"id": "m", "protocol": "magnr", "endpoint": "http://x", "secrets": {"privateKey": {"env": "P"}}}]}"#, "magnr object"),
            (#"{"venues": [{"id": "m", "protocol": "magnr", "endpoint": "http://x", "magnr": {"publicKey": "p", "leverage": 3}, "secrets": {"privateKey": {"env": "P"}}}]}"#, "leverage"),
            (#"{"venues": [{"id": "m", "protocol": "magnr", "endpoint": "http://x", "magnr": {"publicKey": "p"}}]}"#, "privateKey"),
        ]
        for (json, expected) in cases {
            let error = #expect(throws: VenueConfigurationError.self) { _ = try VenueConfigurationFile.parse(Data(json.utf8)) }
            #expect(error?.description.contains(expected) == true, "\(String(describing: error)) should mention \(expected)")
        }
    }
}

extension VenueConfigurationFileTests {
    @Test func theDevelopmentConfigurationIsValidWithItsCPluginAndMagnrVenues() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("dev/venues.json")
        let file = try VenueConfigurationFile.load(from: url)
        let cplugin = try #require(file.venue("cplugin-sim"))
        #expect(cplugin.protocol == .cplugin)
        #expect(cplugin.cplugin?.login == 1001)
        #expect(cplugin.cplugin?.tradePlatform == "00000000-0000-0000-0000-000000000001")
        #expect(cplugin.secrets["clientSecret"] == .environment("CPLUGIN_SIM_CLIENT_SECRET"))
        let magnr = try #require(file.venue("magnr-sim"))
        #expect(magnr.protocol == .magnr)
        #expect(magnr.magnr?.publicKey == "sim-magnr-pub")
        #expect(magnr.secrets["privateKey"] == .environment("MAGNR_SIM_PRIVATE_KEY"))
    }
}

@Suite
struct DurableFileTests {
    @Test func aReplacementLeavesTheNewContentsOwnerOnlyAndNoTemporaryFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("state.json")
        try DurableFile.write(Data("one".utf8), to: file)
        try DurableFile.write(Data("two".utf8), to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "two")
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["state.json"])
        #expect(throws: (any Error).self) { try DurableFile.write(Data(), to: directory.appendingPathComponent("missing/x")) }
    }
}
