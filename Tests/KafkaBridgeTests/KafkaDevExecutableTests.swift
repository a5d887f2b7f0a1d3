import EmbeddedKafka
import Foundation
import KafkaBridge
import Messages
import TestSupport
import Testing

/// End to end against the `kafka-dev` executable itself, as `make run` starts it.
@Suite(.timeLimit(.minutes(3)))
struct KafkaDevExecutableTests {
    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts `kafka-dev --port 0` and returns the process and the bootstrap address it printed.
    private func startKafkaDev() async throws -> (ChildProcess, String) {
        let candidates = [".build/debug/kafka-dev", ".build/release/kafka-dev"].map {
            Self.repositoryRoot.appendingPathComponent($0)
        }
        let executable = try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "kafka-dev is not built: run `swift build` (make test does) before `swift test`")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-dev-\(UUID()).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try ChildProcess(executable.path, ["--port", "0", "--log-level", "warning"], stdout: .file(output.path))
        var bootstrap: String?
        var printed = ""
        _ = try await eventually(timeout: .seconds(30), interval: .milliseconds(20)) {
            printed = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            bootstrap = printed.split(separator: "\n").first { $0.hasPrefix("bootstrap=") }
                .map { String($0.dropFirst("bootstrap=".count)) }
            return bootstrap != nil || !process.isRunning
        }
        guard let bootstrap else {
            process.signal(SIGKILL)
            Issue.record("kafka-dev printed no bootstrap line: \(printed)")
            throw CancellationError()
        }
        return (process, bootstrap)
    }

    /// `kcat -L`, as the README tells a newcomer to check: every catalogue topic with its partition count.
    private func expectKcatListsTheCatalogue(bootstrap: String) async throws {
        let (status, data) = try await ChildProcess.run("kcat", ["-b", bootstrap, "-L", "-J", "-m", "10"])
        try #require(status == 0, "kcat -L failed (is kcat installed? `make setup` installs it)")
        struct Metadata: Decodable {
            struct Topic: Decodable {
                struct Partition: Decodable { var partition: Int }
                var topic: String
                var partitions: [Partition]
            }
            var topics: [Topic]
        }
        let listed = try JSONDecoder().decode(Metadata.self, from: data)
        let partitions = Dictionary(uniqueKeysWithValues: listed.topics.map { ($0.topic, $0.partitions.count) })
        for topic in TopicCatalogue.all {
            #expect(partitions[topic.name] == topic.partitions, "kcat -L: topic \(topic.name)")
        }
    }

    @Test func kafkaDevServesTheWholeCatalogueOnItsFixedAddressAndStopsOnSIGTERM() async throws {
        let (process, bootstrap) = try await self.startKafkaDev()
        defer { process.signal(SIGKILL) }
        #expect(bootstrap.hasPrefix("127.0.0.1:"))

        var configuration = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        configuration.linger = .zero
        let producer = try KafkaProducer(configuration: configuration, logger: testLogger)
        let consumerSettings: KafkaConsumerConfiguration = {
            var settings = KafkaConsumerConfiguration(groupID: "kafka-dev-e2e", bootstrapServers: [bootstrap])
            settings.sessionTimeout = .seconds(3)
            return settings
        }()
        let consumer = try KafkaConsumer(configuration: consumerSettings, topics: [TopicCatalogue.ordersCommands.name], logger: testLogger)
        try await withServices([producer, consumer]) {
            let partitions = try await producer.topicPartitionCounts()
            for topic in TopicCatalogue.all {
                #expect(partitions[topic.name] == topic.partitions, "topic \(topic.name)")
            }
            let ack = try await producer.send(
                KafkaProducerMessage(topic: TopicCatalogue.ordersCommands.name, key: "mt4-demo", value: Data("hello".utf8)))
            var iterator = consumer.messages.makeAsyncIterator()
            let message = try #require(try await iterator.next())
            #expect(message.value == Data("hello".utf8))
            #expect(message.offset == ack.offset)
        }

        try await self.expectKcatListsTheCatalogue(bootstrap: bootstrap)

        process.signal(SIGTERM)
        #expect(await process.wait(timeout: .seconds(30)) == 0, "exits 0 on SIGTERM (not by a signal)")
    }
}
