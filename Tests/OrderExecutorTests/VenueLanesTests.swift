import Foundation
import KafkaBridge
@testable import OrderExecutorCore
import Synchronization
import Testing

@Suite
struct VenueLanesTests {
    private func message(_ venue: String, partition: Int32, offset: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(
            topic: "orders.commands", partition: partition, offset: offset, key: Data(venue.utf8), value: Data(),
            headers: [], timestamp: nil)
    }

    @Test func aSlowVenueDoesNotHoldUpAnotherAndOffsetsAreMarkedInPartitionOrder() async throws {
        let marked = Mutex<[Int64]>([])
        let finished = Mutex<[String]>([])
        let progress = PartitionProgress { message in marked.withLock { $0.append(message.offset) } }
        let lanes = VenueLanes(venues: ["slow", "fast"], limit: 16, progress: progress)
        // One partition holding both venues: slow@0, fast@1, fast@2, slow@3.
        let records = [
            self.message("slow", partition: 0, offset: 0), self.message("fast", partition: 0, offset: 1),
            self.message("fast", partition: 0, offset: 2), self.message("slow", partition: 0, offset: 3),
        ]
        // The stream stays open (as a consumer's does) until every record is handled; its end is a shutdown.
        let (stream, continuation) = AsyncStream.makeStream(of: KafkaConsumerMessage.self)
        for record in records { continuation.yield(record) }
        try await lanes.run(stream) { message in
            if message.keyString == "slow" { try? await Task.sleep(for: .milliseconds(300)) }
            let count = finished.withLock { finished in
                finished.append("\(message.keyString!)@\(message.offset)")
                return finished.count
            }
            if count == records.count { continuation.finish() }
            return true
        }
        let order = finished.withLock { $0 }
        #expect(order.prefix(2) == ["fast@1", "fast@2"], "the fast venue finished first: \(order)")
        #expect(order.filter { $0.hasPrefix("slow") } == ["slow@0", "slow@3"], "in order within a venue")
        // fast@1 and fast@2 finished early, but nothing is marked past the unfinished slow@0.
        let offsets = marked.withLock { $0 }
        #expect(offsets == offsets.sorted() && offsets.last == 3, "\(offsets)")
        #expect(!offsets.contains(1) || offsets.first! >= 1)
    }

    @Test func anUnfinishedRecordIsNeverMarked() {
        let marked = Mutex<[Int64]>([])
        let progress = PartitionProgress { message in marked.withLock { $0.append(message.offset) } }
        let first = self.message("a", partition: 2, offset: 10)
        let second = self.message("b", partition: 2, offset: 11)
        progress.received(first)
        progress.received(second)
        progress.finished(second)
        #expect(marked.withLock { $0 }.isEmpty, "offset 10 is not finished: nothing may be committed")
        progress.finished(first)
        #expect(marked.withLock { $0 } == [11])
    }
}
