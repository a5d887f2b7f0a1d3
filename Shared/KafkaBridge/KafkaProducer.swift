import Crdkafka
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// An asynchronous Kafka producer over librdkafka, run as a swift-service-lifecycle `Service`.
///
/// - ``send(_:)`` returns once the broker acknowledged the message (its delivery report), or throws a ``KafkaError``.
/// - ``enqueue(_:)`` returns as soon as librdkafka accepted the message; its outcome arrives on ``deliveryReports``.
///
/// Delivery reports are served by a dedicated thread that blocks in `rd_kafka_queue_poll` and is woken by librdkafka
/// the moment a report is queued: no sleep-based polling adds latency. The producer is idempotent by default.
///
/// - Important: ``run()`` must be running for delivery reports to be served. Graceful shutdown stops new sends,
///   waits up to ``KafkaProducerConfiguration/shutdownFlushTimeout`` for every outstanding message to be
///   acknowledged, then fails what is left; cancellation fails outstanding messages at once.
public final class KafkaProducer: Service, Sendable {
    let client: RDKafkaClient
    let configuration: KafkaProducerConfiguration
    private let state = Mutex(ProducerState())
    private let lastID = Atomic<UInt64>(0)
    private let reports: AsyncStream<[KafkaDeliveryReport]>
    private let reportsContinuation: AsyncStream<[KafkaDeliveryReport]>.Continuation

    /// Marks ids whose sender awaits the report (``send(_:)``) rather than reading ``deliveryReports``.
    private static let awaitedFlag: UInt64 = 1 << 63

    /// Creates a producer; nothing is sent until a message is given, and reports need ``run()``.
    /// - Throws: ``KafkaError`` with code `.invalidConfiguration` when librdkafka rejects a property.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "kafka.client.id"] = "\(configuration.clientID)"
        logger[metadataKey: "kafka.client.type"] = "producer"
        self.configuration = configuration
        self.client = try RDKafkaClient.make(
            kind: .producer, properties: configuration.rdKafkaProperties, events: RD_KAFKA_EVENT_DR, logger: logger)
        (self.reports, self.reportsContinuation) = AsyncStream.makeStream(
            of: [KafkaDeliveryReport].self, bufferingPolicy: .unbounded)
    }

    /// Delivery reports of messages given to ``enqueue(_:)``, in the order librdkafka reports them.
    /// Ends when ``run()`` returns. Iterate it from one task only.
    /// - Important: iterate it whenever ``enqueue(_:)`` is used, or reports accumulate in memory.
    public var deliveryReports: KafkaDeliveryReports { KafkaDeliveryReports(batches: self.reports) }

    // MARK: - Sending

    /// Produces a message and waits until the broker acknowledged it.
    /// - Returns: where the message was stored.
    /// - Throws: ``KafkaError`` (`.messageTimedOut` when not acknowledged within `messageTimeout`, `.shutdown`
    ///   when the producer is stopping, `.queueFull` is never thrown: the call waits for room), or
    ///   `CancellationError` — a cancelled send may still be delivered.
    public func send(_ message: KafkaProducerMessage) async throws -> KafkaAcknowledgement {
        let id = self.lastID.add(1, ordering: .relaxed).newValue | Self.awaitedFlag
        while true {
            let attempt: ProduceAttempt<KafkaAcknowledgement> = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let outcome = self.state.withLock { state -> ProduceAttempt<KafkaAcknowledgement> in
                        let result: ProduceAttempt<KafkaAcknowledgement> = self.produceLocked(message, id: id, state: &state)
                        if case .sent = result { state.waiters[id] = PendingSend(topic: message.topic, continuation: continuation) }
                        return result
                    }
                    switch outcome {
                    case .sent: break  // resumed by the poll thread
                    case .queueFull, .failed: continuation.resume(returning: outcome)
                    }
                }
            } onCancel: {
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.continuation.resume(throwing: CancellationError())
            }
            switch attempt {
            case .sent(let acknowledgement?): return acknowledgement
            case .sent(nil): preconditionFailure("a delivered send always carries its acknowledgement")
            case .failed(let error): throw error
            case .queueFull(let generation): try await self.waitForRoom(after: generation)
            }
        }
    }

    /// Produces a message without waiting for the broker; its report arrives on ``deliveryReports``.
    /// Waits only while librdkafka's local queue is full.
    /// - Returns: the id its ``KafkaDeliveryReport`` will carry.
    /// - Throws: ``KafkaError`` when the message cannot be queued (`.shutdown`, `.messageTooLarge`, …).
    @discardableResult
    public func enqueue(_ message: KafkaProducerMessage) async throws -> KafkaMessageID {
        let id = self.lastID.add(1, ordering: .relaxed).newValue
        while true {
            let attempt: ProduceAttempt<Void> = self.state.withLock { self.produceLocked(message, id: id, state: &$0) }
            switch attempt {
            case .sent: return KafkaMessageID(rawValue: id)
            case .failed(let error): throw error
            case .queueFull(let generation): try await self.waitForRoom(after: generation)
            }
        }
    }

    /// Number of messages not yet acknowledged or failed (librdkafka's out-queue length).
    public var outstandingCount: Int { Int(rd_kafka_outq_len(self.client.handle)) }

    /// Calls librdkafka under the state lock, so no message can be queued after the poll thread has finished.
    private func produceLocked<T>(_ message: KafkaProducerMessage, id: UInt64, state: inout ProducerState)
        -> ProduceAttempt<T>
    {
        switch state.phase {
        case .initial, .running: break
        case .stopping: return .failed(KafkaError(.shutdown, reason: "producer is shutting down"))
        case .finished: return .failed(KafkaError(.notRunning, reason: "producer has stopped"))
        }
        if let fatal = state.fatalError { return .failed(fatal) }
        guard let topic = state.topicHandle(message.topic, client: self.client.handle) else {
            return .failed(KafkaError(.invalidArgument, reason: "invalid topic name"))
        }
        let err = produceRecord(
            self.client.handle, topic: topic, message, opaque: UnsafeMutableRawPointer(bitPattern: UInt(id)))
        if err == RD_KAFKA_RESP_ERR_NO_ERROR { return .sent(nil) }
        if err == RD_KAFKA_RESP_ERR__QUEUE_FULL { return .queueFull(state.reportGeneration) }
        return .failed(KafkaError.rdKafka(err))
    }

    private func waitForRoom(after generation: UInt64) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = self.state.withLock { state -> Bool in
                if state.reportGeneration != generation || state.phase == .finished { return true }
                state.roomWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        try Task.checkCancellation()
    }

    // MARK: - Service

    /// Serves delivery reports until graceful shutdown (then flushes) or cancellation (then fails what is left).
    /// - Throws: the fatal ``KafkaError`` if librdkafka raised one; ``KafkaError/Code/notRunning`` if called twice.
    public func run() async throws {
        let isFirstRun = self.state.withLock { state -> Bool in
            guard state.phase == .initial else { return false }
            state.phase = .running
            return true
        }
        guard isFirstRun else { throw KafkaError(.notRunning, reason: "run() may be called once") }
        await runOnDedicatedThread(named: "kafka-producer-\(self.configuration.clientID)", { self.pollLoop() }) { graceful in
            self.requestStop(flush: graceful)
        }
        if let fatal = self.state.withLock({ $0.fatalError }) { throw fatal }
    }

    private func requestStop(flush: Bool) {
        self.state.withLock { state in
            if state.phase == .running || state.phase == .initial { state.phase = .stopping }
            state.stopMode = state.stopMode == .none && flush ? .flush : .purge
        }
        rd_kafka_queue_yield(self.client.eventQueue)
    }

    deinit {
        // Topic handles must be released before the client handle is destroyed (the client is freed after this).
        for handle in self.state.withLock({ $0.topics.values }) { rd_kafka_topic_destroy(handle) }
    }
}

// MARK: - Poll thread

extension KafkaProducer {
    private func pollLoop() {
        var buffer = PollBuffer()
        while self.state.withLock({ $0.phase == .running && $0.fatalError == nil }) {
            self.serve(timeoutMilliseconds: 1000, buffer: &buffer)
        }
        let mode = self.state.withLock { $0.stopMode }
        let deadline = ContinuousClock.now + (mode == .flush ? self.configuration.shutdownFlushTimeout : .zero)
        while rd_kafka_outq_len(self.client.handle) > 0, ContinuousClock.now < deadline {
            self.serve(timeoutMilliseconds: 100, buffer: &buffer)
        }
        if rd_kafka_outq_len(self.client.handle) > 0 {
            // Whatever is left fails with a purge error through its delivery report.
            rd_kafka_purge(self.client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            let purgeDeadline = ContinuousClock.now + .seconds(5)
            while rd_kafka_outq_len(self.client.handle) > 0, ContinuousClock.now < purgeDeadline {
                self.serve(timeoutMilliseconds: 100, buffer: &buffer)
            }
        }
        let (waiters, roomWaiters) = self.state.withLock { state in
            state.phase = .finished
            defer { state.waiters = [:]; state.roomWaiters = [] }
            return (state.waiters, state.roomWaiters)
        }
        let stopped = KafkaError(.notRunning, reason: "producer stopped before the message was acknowledged")
        for waiter in waiters.values { waiter.continuation.resume(throwing: stopped) }
        for waiter in roomWaiters { waiter.resume() }
        self.reportsContinuation.finish()
    }

    /// Waits up to the timeout for an event, then serves whatever else is queued (up to 64 events) without waiting,
    /// and hands the collected delivery reports over in one batch: one wake-up of the reader per burst.
    private func serve(timeoutMilliseconds: Int32, buffer: inout PollBuffer) {
        guard let first = rd_kafka_queue_poll(self.client.eventQueue, timeoutMilliseconds) else { return }
        self.handle(first, buffer: &buffer)
        var served = 1
        while served < 64, let next = rd_kafka_queue_poll(self.client.eventQueue, 0) {
            self.handle(next, buffer: &buffer)
            served += 1
        }
        if !buffer.reports.isEmpty {
            self.reportsContinuation.yield(buffer.reports)
            buffer.reports = []
        }
    }

    private func handle(_ event: OpaquePointer, buffer: inout PollBuffer) {
        defer { rd_kafka_event_destroy(event) }
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_DR:
            self.handleDeliveryReports(event, buffer: &buffer)
        case RD_KAFKA_EVENT_LOG:
            self.client.log(event: event)
        case RD_KAFKA_EVENT_ERROR:
            if let fatal = self.client.handleErrorEvent(event) {
                self.state.withLock { if $0.fatalError == nil { $0.fatalError = fatal } }
            }
        default:
            break
        }
    }

    private func handleDeliveryReports(_ event: OpaquePointer, buffer: inout PollBuffer) {
        var awaited: [(UInt64, Int32, Int64, KafkaError?)] = []
        while true {
            let count = buffer.messages.withUnsafeMutableBufferPointer {
                rd_kafka_event_message_array(event, $0.baseAddress, $0.count)
            }
            if count == 0 { break }
            for index in 0..<count {
                let message = buffer.messages[index]!.pointee
                let id = UInt64(UInt(bitPattern: message._private))
                if id & Self.awaitedFlag != 0 {
                    let error = message.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError.rdKafka(message.err)
                    awaited.append((id, message.partition, message.offset, error))
                } else {
                    buffer.reports.append(KafkaDeliveryReport(
                        id: KafkaMessageID(rawValue: id), partition: message.partition, offset: message.offset,
                        rdKafkaCode: message.err.rawValue))
                }
            }
        }
        let (senders, roomWaiters) = self.state.withLock { state in
            state.reportGeneration &+= 1
            let senders = awaited.map { (state.waiters.removeValue(forKey: $0.0), $0) }
            defer { state.roomWaiters = [] }
            return (senders, state.roomWaiters)
        }
        for (pending, report) in senders {
            guard let pending else { continue }  // cancelled meanwhile
            if let error = report.3 {
                pending.continuation.resume(throwing: error)
            } else {
                pending.continuation.resume(returning: .sent(
                    KafkaAcknowledgement(topic: pending.topic, partition: report.1, offset: report.2)))
            }
        }
        for waiter in roomWaiters { waiter.resume() }
    }
}

// MARK: - State

/// What the poll thread reuses between events: librdkafka's message array and the reports not yet handed over.
struct PollBuffer {
    var messages = [UnsafePointer<rd_kafka_message_t>?](repeating: nil, count: 1024)
    var reports: [KafkaDeliveryReport] = []
}

enum ProduceAttempt<Success: Sendable>: Sendable {
    case sent(Success?)
    case queueFull(UInt64)
    case failed(KafkaError)
}

struct PendingSend {
    let topic: String
    let continuation: CheckedContinuation<ProduceAttempt<KafkaAcknowledgement>, any Error>
}

struct ProducerState {
    enum Phase { case initial, running, stopping, finished }
    enum StopMode { case none, flush, purge }
    var phase = Phase.initial
    var stopMode = StopMode.none
    var fatalError: KafkaError?
    /// Bumped on every batch of delivery reports: a sender that found the queue full waits for a new generation.
    var reportGeneration: UInt64 = 0
    var waiters: [UInt64: PendingSend] = [:]
    var roomWaiters: [CheckedContinuation<Void, Never>] = []
    /// librdkafka topic handles by name, created on first use and released with the producer.
    var topics: [String: OpaquePointer] = [:]

    mutating func topicHandle(_ name: String, client: OpaquePointer) -> OpaquePointer? {
        if let handle = self.topics[name] { return handle }
        guard let handle = rd_kafka_topic_new(client, name, nil) else { return nil }
        self.topics[name] = handle
        return handle
    }
}

/// Delivery reports of a ``KafkaProducer``, one element per message given to ``KafkaProducer/enqueue(_:)``.
public struct KafkaDeliveryReports: AsyncSequence, Sendable {
    public typealias Element = KafkaDeliveryReport
    let batches: AsyncStream<[KafkaDeliveryReport]>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var batches: AsyncStream<[KafkaDeliveryReport]>.AsyncIterator
        var current: [KafkaDeliveryReport] = []
        var index = 0

        public mutating func next() async -> KafkaDeliveryReport? {
            while self.index >= self.current.count {
                guard let batch = await self.batches.next() else { return nil }
                (self.current, self.index) = (batch, 0)
            }
            defer { self.index += 1 }
            return self.current[self.index]
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> KafkaDeliveryReport? {
            while self.index >= self.current.count {
                guard let batch = await self.batches.next(isolation: actor) else { return nil }
                (self.current, self.index) = (batch, 0)
            }
            defer { self.index += 1 }
            return self.current[self.index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(batches: self.batches.makeAsyncIterator()) }
}
