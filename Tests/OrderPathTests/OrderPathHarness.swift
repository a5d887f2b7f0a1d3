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
import OrderExecutorCore
import ServiceLifecycle
import ServiceRuntime
import ServiceSupport
import Synchronization
import TestSupport
import Testing
import VenueKit
import VenueSimulator

/// Every log line the services write, as JSON text (so tests can search them for secrets).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        Logger(label: label) { label in
            var handler = JSONLogHandler(label: label) { line in self.lines.withLock { $0.append(line) } }
            handler.logLevel = level
            return handler
        }
    }

    var text: String { self.lines.withLock { $0.joined() } }
    var count: Int { self.lines.withLock { $0.count } }
}

/// Collects every record of some topics, raw bytes kept.
final class TopicCollector: Service, Sendable {
    let consumer: KafkaConsumer
    private let records = Mutex<[KafkaConsumerMessage]>([])

    init(bootstrap: String, topics: [TopicSpec], logger: Logger) throws {
        var configuration = KafkaConsumerConfiguration(groupID: "collector-\(UUID())", bootstrapServers: [bootstrap])
        configuration.sessionTimeout = .seconds(3)
        configuration.fetchWaitMax = .milliseconds(5)
        configuration.autoOffsetReset = .earliest
        self.consumer = try KafkaConsumer(configuration: configuration, topics: topics.map(\.name), logger: logger)
    }

    func run() async throws {
        for try await message in self.consumer.messages.cancelOnGracefulShutdown() {
            self.records.withLock { $0.append(message) }
        }
    }

    func on(_ topic: TopicSpec) -> [KafkaConsumerMessage] { self.records.withLock { $0.filter { $0.topic == topic.name } } }
    var all: [KafkaConsumerMessage] { self.records.withLock { $0 } }

    func reports(for commandId: UUID) -> [ExecutionReport] {
        self.on(TopicCatalogue.ordersReports).compactMap { try? WireFormat.decode(ExecutionReport.self, from: $0.value) }
            .filter { $0.commandId == commandId }
    }

    func fills(for commandId: UUID) -> [Fill] {
        self.on(TopicCatalogue.ordersFills).compactMap { try? WireFormat.decode(Fill.self, from: $0.value) }
            .filter { $0.commandId == commandId }
    }

    func deadLetters() -> [DeadLetter] {
        self.on(TopicCatalogue.ordersDLQ).compactMap { try? WireFormat.decode(DeadLetter.self, from: $0.value) }
    }
}

let sealer = try! GrantSealer(keys: [GrantSealKey(id: "e2e-key", rawKey: Data(repeating: 9, count: 32))])
let simulatorAPIKey = "sim-mt4-api-key"

/// The parts that outlive an executor: broker, simulator, auth-token-broker, a collector and a producer for commands.
struct Infrastructure: Sendable {
    let kafka: EmbeddedKafkaBroker
    let mt4Port: Int
    let adminPort: Int
    let venues: VenueConfigurationFile
    let producer: KafkaProducer
    let collector: TopicCollector
    let logs: LogCapture
    /// The auth-token-broker's state directory (grant versions, cTrader's stored refresh token).
    let stateDirectory: URL
    /// The in-process simulator.
    let simulator: VenueSimulator

    // MARK: Commands

    func command(
        _ action: OrderAction = .place, venue: String = "mt4-demo", symbol: String? = "BTCUSD", side: OrderSide? = .buy,
        quantity: Decimal? = Decimal(string: "0.11"), venueOrderId: String? = nil, expiresAt: Timestamp? = nil
    ) -> OrderCommand {
        OrderCommand(
            commandId: UUID(), action: action, venue: venue, clientOrderId: "e2e-\(UUID().uuidString.prefix(8))",
            venueOrderId: venueOrderId, symbol: action == .place ? symbol : nil, side: action == .place ? side : nil,
            quantity: action == .place ? quantity : nil, orderType: action == .place ? .market : nil,
            expiresAt: expiresAt, createdAt: .now(), source: "e2e-test")
    }

    func send(_ command: OrderCommand) async throws {
        try await self.sendRaw(key: command.venue, value: try WireFormat.encode(command))
    }

    func sendRaw(key: String, value: Data, topic: TopicSpec = TopicCatalogue.ordersCommands) async throws {
        _ = try await self.producer.send(KafkaProducerMessage(topic: topic.name, key: key, value: value))
    }

    func control(_ action: ControlAction, scope: String) async throws {
        let command = ControlCommand(
            commandId: UUID(), action: action, scope: scope == "*" ? .allVenues : .venue(scope), reason: "e2e test",
            operator: "tester", issuedAt: .now())
        try await self.sendRaw(key: scope, value: try WireFormat.encode(command), topic: TopicCatalogue.ordersControl)
    }

    /// The terminal report of `commandId`, waiting up to `timeout`.
    func finalReport(_ commandId: UUID, timeout: Duration = .seconds(30)) async throws -> ExecutionReport? {
        _ = try await eventually(timeout: timeout, interval: .milliseconds(20)) {
            self.collector.reports(for: commandId).contains { $0.isFinal }
        }
        return self.collector.reports(for: commandId).first { $0.isFinal }
    }

    // MARK: Simulator admin

    func admin(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> Any {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.adminPort)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let data = Data((try await response.body.collect(upTo: 1 << 22)).readableBytesView)
        #expect(response.status == .ok, "admin \(path): \(String(decoding: data, as: UTF8.self))")
        return try JSONSerialization.jsonObject(with: data)
    }

    /// Orders the simulator accepted (open and closed).
    func simulatorOrders() async throws -> [[String: Any]] {
        try await self.admin(.GET, "/mt4server/orders") as? [[String: Any]] ?? []
    }

    /// Order requests (`POST …/orders`) the simulator received.
    func simulatorOrderRequests() async throws -> Int {
        let log = try await self.admin(.GET, "/mt4server/requests") as? [[String: Any]] ?? []
        return log.filter { ($0["method"] as? String) == "POST" && (($0["path"] as? String) ?? "").hasSuffix("/orders") }.count
    }

    func faults(_ json: String) async throws {
        _ = try await self.admin(.POST, "/mt4server/faults", body: json)
    }

    /// Session grants published so far, opened.
    func grants(venue: String = "mt4-demo") throws -> [VenueSessionGrant] {
        try self.collector.on(TopicCatalogue.authTokens).map { try sealer.open(try WireFormat.decode(TokenGrant.self, from: $0.value)) }
            .filter { $0.venue == venue }
    }
}

/// A running executor and what tests look at.
struct Executor: Sendable {
    let metrics: ServiceMetrics
    let health: HealthBoard
    let httpPort: Int
}

func venueFile(
    mt4Port: Int, requestTimeoutMs: Int, demoSymbols: [String]? = nil, cpluginPort: Int? = nil, magnrPort: Int? = nil,
    derivPort: Int? = nil, ctraderPort: Int? = nil
) throws -> VenueConfigurationFile {
    let symbols = demoSymbols.map { list in #""symbols": [\#(list.map { "\"\($0)\"" }.joined(separator: ", "))],"# } ?? ""
    // The CPlugin venue as dev/venues.json configures it, on the simulator's port.
    let cplugin = cpluginPort.map { port in
        """
        ,{"id": "cplugin-sim", "protocol": "cplugin", "endpoint": "http://127.0.0.1:\(port)",
          "cplugin": {"tradePlatform": "00000000-0000-0000-0000-000000000001", "login": 1001, "clientId": "sim-cplugin-client"},
          "symbols": ["EURUSD", "USDJPY", "BTCUSD", "ETHUSD"], "limits": {"maxQuantity": "100"},
          "requestTimeoutMs": \(requestTimeoutMs), "secrets": {"clientSecret": {"env": "CPLUGIN_SIM_CLIENT_SECRET"}}}
        """
    } ?? ""
    // The Magnr venue as dev/venues.json configures it.
    let magnr = magnrPort.map { port in
        """
        ,{"id": "magnr-sim", "protocol": "magnr", "endpoint": "http://127.0.0.1:\(port)",
          "magnr": {"publicKey": "sim-magnr-pub", "exchange": "Bitstamp", "leverage": 10},
          "symbols": ["BTCUSD"], "limits": {"maxQuantity": "5"},
          "requestTimeoutMs": \(requestTimeoutMs), "secrets": {"privateKey": {"env": "MAGNR_SIM_PRIVATE_KEY"}}}
        """
    } ?? ""
    // The Deriv venue as dev/venues.json configures it.
    let deriv = derivPort.map { port in
        """
        ,{"id": "deriv-sim", "protocol": "deriv", "endpoint": "ws://127.0.0.1:\(port)",
          "deriv": {"appId": 1089, "currency": "USD", "multiplier": 100,
                    "multipliers": {"R_10": 400, "R_25": 160, "R_50": 80, "R_75": 50}},
          "symbols": ["R_10", "R_50", "R_100", "frxEURUSD"], "limits": {"maxQuantity": "500"},
          "requestTimeoutMs": \(requestTimeoutMs), "secrets": {"apiToken": {"env": "DERIV_SIM_API_TOKEN"}}}
        """
    } ?? ""
    // The cTrader venue as dev/venues.json configures it.
    let ctrader = ctraderPort.map { port in
        """
        ,{"id": "ctrader-sim", "protocol": "ctrader", "endpoint": "ws://127.0.0.1:\(port)",
          "ctrader": {"clientId": "sim-ctrader-client", "accountId": 1000001, "label": "tradewire"},
          "symbols": ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD"], "limits": {"maxQuantity": "1000000"},
          "requestTimeoutMs": \(requestTimeoutMs),
          "secrets": {"clientSecret": {"env": "CTRADER_SIM_CLIENT_SECRET"}, "refreshToken": {"env": "CTRADER_SIM_REFRESH_TOKEN"}}}
        """
    } ?? ""
    return try VenueConfigurationFile.parse(Data("""
        {"venues": [
          {"id": "mt4-demo", "protocol": "mt4server", "endpoint": "http://127.0.0.1:\(mt4Port)", "broker": "demo", \(symbols)
           "limits": {"maxQuantity": "10"}, "requestTimeoutMs": \(requestTimeoutMs),
           "secrets": {"apiKey": {"env": "MT4_DEMO_API_KEY"}}},
          {"id": "mt4-ava", "protocol": "mt4server", "endpoint": "http://127.0.0.1:\(mt4Port)", "broker": "ava",
           "requestTimeoutMs": \(requestTimeoutMs), "secrets": {"apiKey": {"env": "MT4_AVA_API_KEY"}}}
          \(cplugin)
          \(magnr)
          \(deriv)
          \(ctrader)
        ]}
        """.utf8))
}

/// Starts broker, simulator, auth-token-broker, collector and producer; runs `body`; stops them.
func withInfrastructure(
    requestTimeoutMs: Int = 5000, demoSymbols: [String]? = nil, cplugin: Bool = false, magnr: Bool = false,
    deriv: Bool = false, ctrader: Bool = false, _ body: (Infrastructure) async throws -> Void
) async throws {
    let logs = LogCapture()
    let quiet = logs.logger("harness", level: .warning)
    let kafka = try EmbeddedKafkaBroker(logger: quiet)
    let simulator = try VenueSimulator(configuration: .ephemeral, logger: quiet)
    try await withRunningServices([simulator], logger: quiet) {
        let listeners = try await simulator.listeners()
        let mt4Port = listeners.mt4Server!.port
        let venues = try venueFile(
            mt4Port: mt4Port, requestTimeoutMs: requestTimeoutMs, demoSymbols: demoSymbols,
            cpluginPort: cplugin ? listeners.venues["cplugin"]?.port : nil,
            magnrPort: magnr ? listeners.venues["magnr"]?.port : nil,
            derivPort: deriv ? listeners.venues["deriv"]?.port : nil,
            ctraderPort: ctrader ? listeners.venues["ctrader"]?.port : nil)
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-atb-\(UUID())")
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        var configuration = AuthTokenBrokerConfiguration(
            venues: venues, stateDirectory: stateDirectory, bootstrapServers: [kafka.bootstrapServers])
        configuration.consumer.sessionTimeout = .seconds(3)
        configuration.consumer.autoOffsetReset = .earliest
        var producerSettings = KafkaProducerConfiguration(bootstrapServers: [kafka.bootstrapServers])
        producerSettings.linger = .zero
        let brokerLogger = logs.logger("auth-token-broker")
        let brokerServices = try AuthTokenBroker.makeServices(
            configuration: configuration, sealer: sealer,
            producer: try KafkaProducer(configuration: producerSettings, logger: brokerLogger),
            environment: [
                "MT4_DEMO_API_KEY": simulatorAPIKey, "MT4_AVA_API_KEY": simulatorAPIKey,
                "CPLUGIN_SIM_CLIENT_SECRET": "sim-cplugin-secret", "MAGNR_SIM_PRIVATE_KEY": "sim-magnr-priv",
                "DERIV_SIM_API_TOKEN": "sim-deriv-token",
                "CTRADER_SIM_CLIENT_SECRET": "sim-ctrader-secret", "CTRADER_SIM_REFRESH_TOKEN": "sim-ctrader-refresh",
            ], logger: brokerLogger)
        let collector = try TopicCollector(bootstrap: kafka.bootstrapServers, topics: TopicCatalogue.all, logger: quiet)
        let producer = try KafkaProducer(configuration: producerSettings, logger: quiet)
        let infrastructure = Infrastructure(
            kafka: kafka, mt4Port: mt4Port, adminPort: listeners.admin.port, venues: venues, producer: producer,
            collector: collector, logs: logs, stateDirectory: stateDirectory, simulator: simulator)
        try await withRunningServices([collector.consumer, collector, producer] + brokerServices, logger: quiet) {
            try await body(infrastructure)
        }
    }
}

/// Runs an order-executor (its library core, with its operations endpoint on a free port) while `body` runs.
func withExecutor(
    _ infrastructure: Infrastructure, instanceID: String = "e2e-1", reconcileWindow: Duration = .seconds(20),
    _ body: (Executor) async throws -> Void
) async throws {
    let logger = infrastructure.logs.logger("order-executor")
    var configuration = OrderExecutorConfiguration(
        venues: infrastructure.venues, instanceID: instanceID, bootstrapServers: [infrastructure.kafka.bootstrapServers])
    configuration.commands.sessionTimeout = .seconds(3)
    configuration.commands.fetchWaitMax = .milliseconds(5)
    configuration.reconcileWindow = reconcileWindow
    var producerSettings = KafkaProducerConfiguration(bootstrapServers: [infrastructure.kafka.bootstrapServers])
    producerSettings.linger = .zero
    let metrics = ServiceMetrics()
    let health = HealthBoard()
    let services = try OrderExecutor.makeServices(
        configuration: configuration, sealer: sealer, producer: try KafkaProducer(configuration: producerSettings, logger: logger),
        metrics: metrics, health: health, logger: logger)
    let port = Mutex(0)
    let operations = OperationsServer.make(
        host: "127.0.0.1", port: 0, service: "order-executor", health: health, metrics: metrics, logger: logger,
        onListening: { bound in port.withLock { $0 = bound } })
    try await withRunningServices(services + [operations], logger: logger) {
        let ready = try await eventually(timeout: .seconds(30), interval: .milliseconds(20)) {
            health.isHealthy && port.withLock { $0 } != 0
        }
        try #require(ready, "the executor became healthy (journal and control read, grants applied): \(health.snapshot)")
        try await body(Executor(metrics: metrics, health: health, httpPort: port.withLock { $0 }))
    }
}

/// GET on the executor's operations endpoint: status and body.
func operations(_ executor: Executor, _ path: String) async throws -> (Int, String) {
    let response = try await HTTPClient.shared.execute(
        HTTPClientRequest(url: "http://127.0.0.1:\(executor.httpPort)\(path)"), timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 1 << 22)
    return (Int(response.status.code), String(buffer: body))
}
