import EmbeddedKafka
import Foundation
import KafkaBridge
import Messages
import Testing

/// End to end against the `kafka-dev` executable itself, as `make run` starts it.
@Suite(.timeLimit(.minutes(2)))
struct KafkaDevExecutableTests {
    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts `kafka-dev --port 0` and returns the process and the bootstrap address it printed.
    private func startKafkaDev() throws -> (Process, String) {
        let candidates = [".build/debug/kafka-dev", ".build/release/kafka-dev"].map {
            Self.repositoryRoot.appendingPathComponent($0)
        }
        let executable = try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "kafka-dev is not built: run `swift build` (make test does) before `swift test`")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--port", "0", "--log-level", "warning"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var collected = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
            if let line = String(decoding: collected, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("bootstrap=") }) {
                return (process, String(line.dropFirst("bootstrap=".count)))
            }
        }
        process.terminate()
        Issue.record("kafka-dev printed no bootstrap line: \(String(decoding: collected, as: UTF8.self))")
        throw CancellationError()
    }

    /// `kcat -L`, as the README tells a newcomer to check: every catalogue topic with its partition count.
    private func expectKcatListsTheCatalogue(bootstrap: String) throws {
        let kcat = Process()
        kcat.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        kcat.arguments = ["kcat", "-b", bootstrap, "-L", "-J", "-m", "10"]
        let output = Pipe()
        kcat.standardOutput = output
        try kcat.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        kcat.waitUntilExit()
        try #require(kcat.terminationStatus == 0, "kcat -L failed (is kcat installed? `make setup` installs it)")
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
        let (process, bootstrap) = try self.startKafkaDev()
        defer { if process.isRunning { process.terminate() } }
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

        try self.expectKcatListsTheCatalogue(bootstrap: bootstrap)

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
