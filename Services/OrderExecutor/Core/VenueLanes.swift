import KafkaBridge
import Synchronization

/// Runs the commands of each venue in order, and different venues side by side: a venue that hangs (up to its request
/// deadline) does not hold up the others. Records whose key is not a configured venue share one lane.
///
/// Offsets finish out of order across lanes, so a record is marked processed only once every earlier record of its
/// partition has finished (``PartitionProgress``); at most `limit` records are in flight.
final class VenueLanes: Sendable {
    private let venues: Set<String>
    private let limit: Int
    private let progress: PartitionProgress
    private let state = Mutex(State())

    private struct State {
        var lanes: [String: AsyncStream<KafkaConsumerMessage>.Continuation] = [:]
        var inFlight = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var stopping = false
    }

    static let sharedLane = "*unconfigured*"

    init(venues: Set<String>, limit: Int, progress: PartitionProgress) {
        self.venues = venues
        self.limit = limit
        self.progress = progress
    }

    /// Whether lanes should stop taking queued records (shutdown): those stay unmarked and are read again later.
    var isStopping: Bool { self.state.withLock { $0.stopping } }

    /// Feeds `messages` to the lanes until the sequence ends, then lets the lanes finish the record in hand.
    /// `handle` returns whether the record was finished (so its offset may be marked).
    func run<Messages: AsyncSequence & Sendable>(
        _ messages: Messages, handle: @escaping @Sendable (KafkaConsumerMessage) async -> Bool
    ) async throws where Messages.Element == KafkaConsumerMessage {
        try await withThrowingDiscardingTaskGroup { group in
            defer { self.stop() }
            for try await message in messages {
                await self.acquire()
                self.progress.received(message)
                let lane = message.keyString.flatMap { self.venues.contains($0) ? $0 : nil } ?? Self.sharedLane
                let continuation = self.state.withLock { state -> AsyncStream<KafkaConsumerMessage>.Continuation? in
                    state.lanes[lane]
                }
                if let continuation {
                    continuation.yield(message)
                } else {
                    let (stream, continuation) = AsyncStream.makeStream(of: KafkaConsumerMessage.self)
                    self.state.withLock { $0.lanes[lane] = continuation }
                    continuation.yield(message)
                    group.addTask {
                        for await queued in stream {
                            if self.isStopping {
                                self.release()
                                continue
                            }
                            if await handle(queued) { self.progress.finished(queued) }
                            self.release()
                        }
                    }
                }
            }
        }
    }

    private func stop() {
        let (lanes, waiters) = self.state.withLock { state in
            state.stopping = true
            defer { state.waiters = [] }
            return (Array(state.lanes.values), state.waiters)
        }
        for lane in lanes { lane.finish() }
        for waiter in waiters { waiter.resume() }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = self.state.withLock { state -> Bool in
                if state.inFlight < self.limit || state.stopping {
                    state.inFlight += 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    private func release() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.inFlight -= 1
                return nil
            }
            // The slot passes straight to the next waiter.
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}

/// Marks offsets processed in partition order although records finish out of order.
final class PartitionProgress: Sendable {
    private struct Partition {
        var pending: [(offset: Int64, message: KafkaConsumerMessage, done: Bool)] = []
        var lastReceived: Int64 = -1
    }

    private let state = Mutex<[String: Partition]>([:])
    private let mark: @Sendable (KafkaConsumerMessage) -> Void

    /// `mark` stores a message's offset for commit.
    init(mark: @escaping @Sendable (KafkaConsumerMessage) -> Void) { self.mark = mark }

    func received(_ message: KafkaConsumerMessage) {
        let key = "\(message.topic)#\(message.partition)"
        self.state.withLock { partitions in
            var partition = partitions[key] ?? Partition()
            // A rewind (after a rebalance) starts the partition over.
            if message.offset <= partition.lastReceived { partition = Partition() }
            partition.pending.append((message.offset, message, false))
            partition.lastReceived = message.offset
            partitions[key] = partition
        }
    }

    func finished(_ message: KafkaConsumerMessage) {
        let key = "\(message.topic)#\(message.partition)"
        let markable = self.state.withLock { partitions -> KafkaConsumerMessage? in
            guard var partition = partitions[key],
                let index = partition.pending.firstIndex(where: { $0.offset == message.offset })
            else { return nil }
            partition.pending[index].done = true
            var last: KafkaConsumerMessage?
            while let first = partition.pending.first, first.done {
                last = first.message
                partition.pending.removeFirst()
            }
            partitions[key] = partition
            return last
        }
        if let markable { self.mark(markable) }
    }
}
