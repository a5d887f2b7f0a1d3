import ArgumentParser
import AuditLoggerCore
import AuditStore
import AuthTokenBrokerCore
import Foundation
import GrantSealing
import KafkaBridge
import Logging
import Messages
import ServiceLifecycle
import ServiceRuntime
import ServiceSupport
import TestSupport
import TickPublisherCore
import VenueKit
import VenueSimulator

/// `services-bench`: the service figures of `make bench`, against a running embedded broker.
///
/// 1. tick-publisher: ticks/s from a simulator firehose (ticker sockets pushing every millisecond) into Kafka, and
///    `kcat -P` producing the same tick payloads (read back from the topic) in the same run; target ratio ≥ 0.7.
/// 2. audit: records/s stored durably into SQLite (WAL, synchronous=FULL): the store alone, and the audit-logger
///    from Kafka end to end; target ≥ 20,000/s.
@main
struct ServicesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "services-bench", abstract: "Tick-publisher and audit figures.")

    @Option(help: "Bootstrap address of the embedded broker (kafka-dev).")
    var bootstrap: String

    @Option(help: "Venues of the firehose (each streams the 17 symbols of MT4Server broker fxopen).")
    var venues = 2

    @Option(help: "Ticker frames per millisecond and socket from the simulator.")
    var framesPerPush = 10

    @Option(help: "Seconds of tick measurement after the warm-up.")
    var seconds = 10

    @Option(help: "Records for the audit figures.")
    var auditRecords = 200_000

    @Option(help: "kcat executable.")
    var kcat = "kcat"

    @Option(help: "Where to write the figures as JSON.")
    var json = "bench/results/services.json"

    func run() async throws {
        var logger = Logger(label: "services-bench")
        logger.logLevel = .error
        say("tick-publisher: \(self.venues) venues × 17 symbols, simulator pushing \(self.framesPerPush) frames every 1 ms per symbol")
        let ticks = try await self.tickFigures(logger: logger)
        say(String(format: "  tick-publisher %.0f ticks/s into Kafka; kcat -P %.0f msg/s on the same %d payloads; ratio %.2f (target ≥ 0.70)",
                     ticks.publisherRate, ticks.kcatRate, ticks.sample, ticks.publisherRate / ticks.kcatRate))
        say(String(format: "  quotes received %.0f/s (the firehose's own rate bounds the publisher's)", ticks.quoteRate))
        let stage = try await self.publishStage(sample: ticks.sampleTicks, logger: logger)
        say(String(format: "  publish stage alone (quote → Tick → JSON → acknowledged on Kafka, no venue): %.0f ticks/s; ratio to kcat %.2f",
                   stage, stage / ticks.kcatRate))
        let audit = try await self.auditFigures(logger: logger)
        say(String(format: "audit: SQLite store %.0f records/s (batches of 2000, durable); audit-logger from Kafka %.0f records/s (target ≥ 20000)",
                     audit.storeRate, audit.endToEndRate))
        let document: [String: Any] = [
            "generatedAt": ISO8601DateFormatter().string(from: Date()),
            "tickPublisher": [
                "ticksPerSecond": ticks.publisherRate.rounded(), "kcatMessagesPerSecond": ticks.kcatRate.rounded(),
                "ratio": ticks.publisherRate / ticks.kcatRate, "target": 0.7, "quotesPerSecond": ticks.quoteRate.rounded(),
                "payloadSample": ticks.sample, "venues": self.venues, "symbolsPerVenue": 17,
                "simulatorFramesPerMillisecondPerSocket": self.framesPerPush,
                "publishStageTicksPerSecond": stage.rounded(), "publishStageRatio": stage / ticks.kcatRate,
            ],
            "audit": [
                "sqliteStoreRecordsPerSecond": audit.storeRate.rounded(),
                "auditLoggerRecordsPerSecond": audit.endToEndRate.rounded(), "records": audit.records, "target": 20_000,
            ],
        ]
        let url = URL(fileURLWithPath: self.json)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        say("figures written to \(self.json)")
    }

    // MARK: - tick-publisher

    struct TickFigures {
        var publisherRate: Double
        var kcatRate: Double
        var quoteRate: Double
        var sample: Int
        var sampleTicks: [Tick]
    }

    /// The tick-publisher's Kafka stage on its own: the sample's ticks renumbered, encoded with `Tick.wireBytes()` and
    /// enqueued as the tick sink does, until every one is acknowledged.
    private func publishStage(sample: [Tick], logger: Logger) async throws -> Double {
        var configuration = TickPublisherConfiguration(
            venues: try VenueConfigurationFile.parse(Data(#"{"venues": []}"#.utf8)), bootstrapServers: [self.bootstrap])
        configuration.linger = .milliseconds(5)
        let producer = try KafkaProducer(configuration: configuration.producer, logger: logger)
        let count = sample.count
        let acknowledged = Task {
            var seen = 0
            for await _ in producer.deliveryReports {
                seen += 1
                if seen == count { break }
            }
        }
        return try await withRunningServices([producer], logger: logger) {
            let started = ContinuousClock.now
            for (index, original) in sample.enumerated() {
                var tick = original
                tick.seq = Int64(index + 1)
                tick.receivedAt = .now()
                _ = try await producer.enqueue(KafkaProducerMessage(
                    topic: TopicCatalogue.marketTicks.name, key: tick.key, value: Data(try tick.wireBytes())))
            }
            await acknowledged.value
            return Double(count) / (ContinuousClock.now - started).seconds
        }
    }

    private func tickFigures(logger: Logger) async throws -> TickFigures {
        var simulatorConfiguration = VenueSimulatorConfiguration.ephemeral
        simulatorConfiguration.tickInterval = .milliseconds(1)
        simulatorConfiguration.mt4Server.framesPerPush = self.framesPerPush
        let simulator = try VenueSimulator(configuration: simulatorConfiguration, logger: logger)
        let sealer = try GrantSealer(keys: [GrantSealKey(id: "bench", rawKey: Data(repeating: 5, count: 32))])
        let watcher = try self.watcher(logger: logger)
        return try await withRunningServices([simulator, watcher], logger: logger) {
            let port = try await simulator.listeners().mt4Server!.port
            let entries = (1...self.venues).map { index in
                #"{"id": "fire-\#(index)", "protocol": "mt4server", "endpoint": "http://127.0.0.1:\#(port)", "broker": "fxopen", "secrets": {"apiKey": {"env": "SIM_KEY"}}}"#
            }
            let venues = try VenueConfigurationFile.parse(Data(#"{"venues": [\#(entries.joined(separator: ","))]}"#.utf8))
            var brokerConfiguration = AuthTokenBrokerConfiguration(
                venues: venues, stateDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("bench-atb-\(UUID())"),
                bootstrapServers: [self.bootstrap])
            brokerConfiguration.consumer.autoOffsetReset = .earliest
            var grantProducer = KafkaProducerConfiguration(bootstrapServers: [self.bootstrap])
            grantProducer.linger = .zero
            let broker = try AuthTokenBroker.makeServices(
                configuration: brokerConfiguration, sealer: sealer,
                producer: try KafkaProducer(configuration: grantProducer, logger: logger),
                environment: ["SIM_KEY": "sim-mt4-api-key"], logger: logger)
            var configuration = TickPublisherConfiguration(venues: venues, instanceID: "bench", bootstrapServers: [self.bootstrap])
            configuration.staleAfter = .seconds(5)
            let metrics = ServiceMetrics()
            let publisher = try TickPublisher.makeServices(
                configuration: configuration, sealer: sealer,
                producer: try KafkaProducer(configuration: configuration.producer, logger: logger), metrics: metrics,
                health: HealthBoard(), logger: logger)
            let (rate, quotes) = try await withRunningServices(broker + publisher, logger: logger) {
                try await Task.sleep(for: .seconds(3))
                let (firstOffsets, firstQuotes) = (try await self.ticksOnKafka(watcher), Self.quotes(metrics))
                let started = ContinuousClock.now
                try await Task.sleep(for: .seconds(self.seconds))
                let (lastOffsets, lastQuotes) = (try await self.ticksOnKafka(watcher), Self.quotes(metrics))
                let elapsed = (ContinuousClock.now - started).seconds
                return (Double(lastOffsets - firstOffsets) / elapsed, (lastQuotes - firstQuotes) / elapsed)
            }
            say("  measured; reading the payloads back for kcat")
            // kcat on the same payloads: the newest ticks, read back from the topic.
            let sample = try await self.readBackTicks(count: 200_000, logger: logger)
            let input = FileManager.default.temporaryDirectory.appendingPathComponent("bench-ticks-\(getpid()).txt")
            var data = Data()
            for (key, value) in sample {
                data.append(key)
                data.append(0x09)
                data.append(value)
                data.append(0x0A)
            }
            try data.write(to: input)
            defer { try? FileManager.default.removeItem(at: input) }
            let started = ContinuousClock.now
            let status = try runProcess(self.kcat, [
                "-P", "-b", self.bootstrap, "-t", TopicCatalogue.marketTicks.name, "-K", "\t", "-l", input.path,
                "-X", "linger.ms=5", "-X", "enable.idempotence=true",
            ])
            guard status == 0 else { throw ServicesBenchError("kcat exited with \(status)") }
            let kcatRate = Double(sample.count) / (ContinuousClock.now - started).seconds
            let ticks = sample.compactMap { try? WireFormat.decode(Tick.self, from: $0.1) }
            return TickFigures(publisherRate: rate, kcatRate: kcatRate, quoteRate: quotes, sample: sample.count, sampleTicks: ticks)
        }
    }

    private static func quotes(_ metrics: ServiceMetrics) -> Double {
        metrics.render().split(separator: "\n").filter { $0.hasPrefix("tradewire_ticks_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    private func watcher(logger: Logger) throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(groupID: "bench-watch-\(UUID())", bootstrapServers: [self.bootstrap])
        configuration.autoOffsetReset = .latest
        return try KafkaConsumer(configuration: configuration, topics: [TopicCatalogue.venuesStatus.name], logger: logger)
    }

    private func ticksOnKafka(_ consumer: KafkaConsumer) async throws -> Int64 {
        var total: Int64 = 0
        for partition in 0..<Int32(TopicCatalogue.marketTicks.partitions) {
            total += try await consumer.watermarks(topic: TopicCatalogue.marketTicks.name, partition: partition).high
        }
        return total
    }

    private func readBackTicks(count: Int, logger: Logger) async throws -> [(Data, Data)] {
        var configuration = KafkaConsumerConfiguration(groupID: "bench-read-\(UUID())", bootstrapServers: [self.bootstrap])
        configuration.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: configuration, topics: [TopicCatalogue.marketTicks.name], logger: logger)
        return try await withRunningServices([consumer], logger: logger) {
            var available: Int64 = 0
            for partition in 0..<Int32(TopicCatalogue.marketTicks.partitions) {
                let marks = try await consumer.watermarks(topic: TopicCatalogue.marketTicks.name, partition: partition)
                available += marks.high - marks.low
            }
            let target = min(count, Int(available))
            var records: [(Data, Data)] = []
            records.reserveCapacity(target)
            guard target > 0 else { return records }
            for try await message in consumer.messages {
                records.append((message.key ?? Data(), message.value))
                if records.count >= target { break }
            }
            return records
        }
    }

    // MARK: - audit

    struct AuditFigures {
        var storeRate: Double
        var endToEndRate: Double
        var records: Int
    }

    private func auditFigures(logger: Logger) async throws -> AuditFigures {
        let sample = try await self.readBackTicks(count: self.auditRecords, logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-audit-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The store alone.
        let store = try SQLiteAuditStore(path: directory.appendingPathComponent("store.sqlite").path)
        let records = sample.enumerated().map { index, element in
            AuditRecord(topic: "market.ticks", partition: Int32(index % 16), offset: Int64(index / 16), key: element.0,
                        timestamp: Date(), value: element.1)
        }
        var started = ContinuousClock.now
        for batch in stride(from: 0, to: records.count, by: 2000) {
            _ = try await store.append(Array(records[batch..<min(batch + 2000, records.count)]))
        }
        let storeRate = Double(records.count) / (ContinuousClock.now - started).seconds

        // The audit-logger from Kafka: every record of every topic now on the broker.
        let logStore = try SQLiteAuditStore(path: directory.appendingPathComponent("logger.sqlite").path)
        var configuration = AuditLoggerConfiguration(bootstrapServers: [self.bootstrap])
        configuration.consumer = KafkaConsumerConfiguration(groupID: "bench-audit-\(UUID())", bootstrapServers: [self.bootstrap])
        configuration.consumer.autoOffsetReset = .earliest
        configuration.consumer.maxBufferedEvents = 20_000
        let watcher = try self.watcher(logger: logger)
        let services = try AuditLogger.makeServices(
            configuration: configuration, store: logStore, metrics: ServiceMetrics(), health: HealthBoard(), logger: logger)
        let rate = try await withRunningServices([watcher], logger: logger) {
            var target: Int64 = 0
            for topic in TopicCatalogue.all {
                for partition in 0..<Int32(topic.partitions) {
                    let marks = try await watcher.watermarks(topic: topic.name, partition: partition)
                    target += marks.high - marks.low
                }
            }
            return try await withRunningServices(services, logger: logger) {
                // From the first stored batch (the consumer group's join is not storage time) to the last.
                while try await logStore.count() == 0 { try await Task.sleep(for: .milliseconds(2)) }
                let first = try await logStore.count()
                started = ContinuousClock.now
                while try await logStore.count() < target { try await Task.sleep(for: .milliseconds(10)) }
                return Double(target - first) / (ContinuousClock.now - started).seconds
            }
        }
        return AuditFigures(storeRate: storeRate, endToEndRate: rate, records: records.count)
    }
}

struct ServicesBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `executable` (looked up on PATH) and returns its exit status.
func runProcess(_ executable: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// Writes a line to standard output at once (no stdio buffering: progress shows when piped to a file).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
