import EmbeddedKafka
import Foundation
import KafkaBridge
import NIOPosix
import Testing

@Suite(.timeLimit(.minutes(3)))
struct FailureTests {
    /// A port on 127.0.0.1 with nothing listening.
    private func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func sendToAnUnreachableBrokerFailsWithATypedRetriableErrorWithinTheDeadline() async throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:\(try self.closedPort())"])
        configuration.messageTimeout = .milliseconds(1500)
        let producer = try KafkaProducer(configuration: configuration, logger: testLogger)
        let started = ContinuousClock.now
        let outcome: Result<KafkaAcknowledgement, KafkaError> = try await withServices([producer]) {
            do {
                return .success(try await producer.send(KafkaProducerMessage(topic: "orders.commands", key: "v", value: Data("x".utf8))))
            } catch let error as KafkaError {
                return .failure(error)
            }
        }
        let elapsed = ContinuousClock.now - started
        guard case .failure(let error) = outcome else {
            Issue.record("a send to a closed port must not be acknowledged")
            return
        }
        #expect(error.code == .messageTimedOut)
        #expect(error.isRetriable)
        #expect(!error.isFatal)
        #expect(error.rdKafkaName == "_MSG_TIMED_OUT")
        // The message timeout (1.5 s) ends it, not librdkafka's default of 300 s; the bound leaves room for a loaded machine.
        #expect(elapsed < .seconds(60), "took \(elapsed)")
    }

    @Test func gracefulShutdownLosesNoAcknowledgedMessage() async throws {
        let broker = try makeBroker(["drain": 4])
        // A long linger keeps messages in librdkafka's queue when shutdown begins.
        let producer = try KafkaProducer(configuration: producerConfiguration(broker, linger: .milliseconds(200)), logger: testLogger)
        let count = 2000
        let reports = Task {
            var acknowledged: [KafkaMessageID: Int64] = [:]
            var failed = 0
            for await report in producer.deliveryReports {
                if let offset = report.offset, report.isAcknowledged { acknowledged[report.id] = offset } else { failed += 1 }
            }
            return (acknowledged, failed)
        }
        try await withServices([producer]) {
            for index in 0..<count {
                try await producer.enqueue(KafkaProducerMessage(topic: "drain", key: "k\(index % 16)", value: Data("d\(index)".utf8)))
            }
            #expect(producer.outstandingCount > 0, "shutdown should begin with messages still in flight")
        }
        // run() returned: every report has been delivered and the report stream has finished.
        let (acknowledged, failed) = await reports.value
        #expect(failed == 0)
        #expect(acknowledged.count == count)
        #expect(producer.outstandingCount == 0)

        let pumped = try PumpedConsumer(broker, group: "drain-check", topics: ["drain"])
        try await withServices(pumped.services) {
            try await eventually("every acknowledged message is in the log") { await pumped.inbox.count >= count }
        }
        #expect(Set(await pumped.inbox.values) == Set((0..<count).map { "d\($0)" }))
    }

    @Test func sendAfterShutdownFailsWithNotRunning() async throws {
        let broker = try makeBroker(["late": 1])
        let producer = try KafkaProducer(configuration: producerConfiguration(broker), logger: testLogger)
        try await withServices([producer]) {}
        await #expect(throws: KafkaError.self) {
            _ = try await producer.send(KafkaProducerMessage(topic: "late", value: Data()))
        }
        let error = await #expect(throws: KafkaError.self) {
            _ = try await producer.enqueue(KafkaProducerMessage(topic: "late", value: Data()))
        }
        #expect(error?.code == .notRunning)
    }

    @Test func aRejectedPropertyIsATypedErrorThatNeverEchoesASecret() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:9"])
        configuration.properties["linger.ms"] = "not-a-number"
        let error = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: configuration, logger: testLogger) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.contains("linger.ms") == true)

        var secret = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:9"])
        secret.properties["sasl.password.typo"] = "hunter2-very-secret"
        let secretError = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: secret, logger: testLogger) }
        #expect(secretError?.code == .invalidConfiguration)
        #expect(secretError?.description.contains("hunter2") == false)
    }
}
