public import KafkaBridge
public import Messages
import Synchronization

/// Tracks how far a reader of a state topic (`orders.state`, `orders.control`, `auth.tokens`) has come against the
/// high watermarks taken when it started, so a service can wait until it has read everything written before it
/// started — a journal or a halt switch that is half read would be worse than none.
public final class TopicReplay: Sendable {
    private struct State {
        var targets: [Int32: Int64]?
        var seen: [Int32: Int64] = [:]
        var waiters: [CheckedContinuation<Void, Never>] = []

        var isReplayed: Bool {
            guard let targets else { return false }
            return targets.allSatisfy { partition, high in high == 0 || (self.seen[partition] ?? -1) >= high - 1 }
        }

        mutating func takeWaitersIfReplayed() -> [CheckedContinuation<Void, Never>] {
            guard self.isReplayed else { return [] }
            defer { self.waiters = [] }
            return self.waiters
        }
    }

    private let topic: TopicSpec
    private let state = Mutex(State())

    /// A tracker for `topic`.
    public init(topic: TopicSpec) {
        self.topic = topic
    }

    /// Whether everything present at start has been read.
    public var isReplayed: Bool { self.state.withLock { $0.isReplayed } }

    /// Reads the high watermarks of every partition (call once, when the reader starts).
    public func captureTargets(using consumer: KafkaConsumer) async throws {
        var targets: [Int32: Int64] = [:]
        for partition in 0..<Int32(self.topic.partitions) {
            targets[partition] = try await consumer.watermarks(topic: self.topic.name, partition: partition).high
        }
        let waiters = self.state.withLock { state in
            state.targets = targets
            return state.takeWaitersIfReplayed()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Notes that the record at `offset` of `partition` has been applied.
    public func observe(partition: Int32, offset: Int64) {
        let waiters = self.state.withLock { state in
            state.seen[partition] = max(state.seen[partition] ?? -1, offset)
            return state.takeWaitersIfReplayed()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once everything present at start has been read.
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = self.state.withLock { state -> Bool in
                if state.isReplayed { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
