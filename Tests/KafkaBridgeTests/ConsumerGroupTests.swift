import EmbeddedKafka
import Foundation
import KafkaBridge
import Testing

@Suite(.timeLimit(.minutes(3)))
struct ConsumerGroupTests {
    private func produce(_ values: [String], to topic: String, broker: EmbeddedKafkaBroker, keyed: Bool = false) async throws {
        let producer = try KafkaProducer(configuration: producerConfiguration(broker), logger: testLogger)
        try await withServices([producer]) {
            for value in values {
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: keyed ? value : String?.none, value: Data(value.utf8)))
            }
        }
    }

    @Test func twoMembersSharePartitionsAndTheSurvivorTakesOverWhenOneLeaves() async throws {
        let broker = try makeBroker(["shared": 4])
        let first = try PumpedConsumer(broker, group: "sharing", topics: ["shared"])
        let second = try PumpedConsumer(broker, group: "sharing", topics: ["shared"])
        let all = Set((0..<4).map { KafkaTopicPartition(topic: "shared", partition: $0) })

        try await withServices(first.services) {
            let consumedBefore = try await withServices(second.services) {
                try await eventually("both members own partitions, together all four") {
                    let (a, b) = (await first.inbox.assigned, await second.inbox.assigned)
                    return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == all
                }
                try await self.produce((0..<40).map { "a\($0)" }, to: "shared", broker: broker, keyed: true)
                try await eventually("the 40 messages are consumed between the two") {
                    await first.inbox.count + second.inbox.count == 40
                }
                #expect(await first.inbox.count > 0)
                #expect(await second.inbox.count > 0)
                let consumed = Set(await first.inbox.values + second.inbox.values)
                #expect(consumed == Set((0..<40).map { "a\($0)" }))
                return consumed
            }
            // The second member left the group: the first is given every partition.
            try await eventually("the survivor owns all four partitions", timeout: .seconds(60)) {
                await first.inbox.assigned == all
            }
            let before = await first.inbox.count
            try await self.produce((0..<20).map { "b\($0)" }, to: "shared", broker: broker, keyed: true)
            let expected = Set((0..<20).map { "b\($0)" })
            try await eventually("the survivor consumes every new message") {
                Set(await first.inbox.values).isSuperset(of: expected)
            }
            // At-least-once: nothing new is lost. Messages consumed before the takeover whose offsets could not be
            // committed may come again (the mock refuses commits while it holds a rebalance), nothing else.
            let afterTakeover = Array(await first.inbox.values.dropFirst(before))
            #expect(Set(afterTakeover.filter { $0.hasPrefix("b") }) == expected)
            #expect(afterTakeover.allSatisfy { $0.hasPrefix("b") || consumedBefore.contains($0) })
        }
    }

    @Test func committedOffsetsSurviveARestartWithNothingReprocessedOrSkipped() async throws {
        let broker = try makeBroker(["restart": 1])
        try await self.produce((0..<10).map { "m\($0)" }, to: "restart", broker: broker)
        let firstRun = try PumpedConsumer(broker, group: "restarting", topics: ["restart"])
        try await withServices(firstRun.services) {
            try await eventually("the first run consumes ten") { await firstRun.inbox.count == 10 }
        }
        #expect(await firstRun.inbox.values == (0..<10).map { "m\($0)" })

        try await self.produce((10..<20).map { "m\($0)" }, to: "restart", broker: broker)
        let secondRun = try PumpedConsumer(broker, group: "restarting", topics: ["restart"])
        try await withServices(secondRun.services) {
            try await eventually("the second run reaches the last message") { await secondRun.inbox.values.last == "m19" }
        }
        // In one partition order is total: a reprocessed message would come before m19, a skipped one would be missing.
        #expect(await secondRun.inbox.values == (10..<20).map { "m\($0)" })
    }

    @Test func gracefulShutdownCommitsStoredOffsetsWithoutWaitingForTheAutoCommit() async throws {
        let broker = try makeBroker(["final-commit": 1])
        try await self.produce((0..<6).map { "m\($0)" }, to: "final-commit", broker: broker)
        // An auto-commit interval far longer than the test: only the shutdown commit can save the offsets.
        let slowCommit: (inout KafkaConsumerConfiguration) -> Void = { $0.autoCommitInterval = .seconds(600) }
        let firstRun = try PumpedConsumer(broker, group: "final", topics: ["final-commit"], configure: slowCommit)
        try await withServices(firstRun.services) {
            try await eventually("the first run consumes six") { await firstRun.inbox.count == 6 }
        }
        try await self.produce(["m6"], to: "final-commit", broker: broker)
        let secondRun = try PumpedConsumer(broker, group: "final", topics: ["final-commit"], configure: slowCommit)
        try await withServices(secondRun.services) {
            try await eventually("the second run reaches m6") { await secondRun.inbox.values.last == "m6" }
        }
        #expect(await secondRun.inbox.values == ["m6"])
    }

    @Test func aMessageNotMarkedProcessedIsDeliveredAgainAfterRestart() async throws {
        let broker = try makeBroker(["unfinished": 1])
        try await self.produce((0..<5).map { "m\($0)" }, to: "unfinished", broker: broker)
        let firstRun = try PumpedConsumer(broker, group: "crashy", topics: ["unfinished"], shouldMark: { message in
            // Processing of m3 and m4 "did not finish": they are received but never marked.
            !["m3", "m4"].contains(text(message.value))
        })
        try await withServices(firstRun.services) {
            try await eventually("the first run receives all five") { await firstRun.inbox.count == 5 }
        }
        let secondRun = try PumpedConsumer(broker, group: "crashy", topics: ["unfinished"])
        try await withServices(secondRun.services) {
            try await eventually("the unfinished messages come back") { await secondRun.inbox.count >= 2 }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(await secondRun.inbox.values == ["m3", "m4"])
    }
}
