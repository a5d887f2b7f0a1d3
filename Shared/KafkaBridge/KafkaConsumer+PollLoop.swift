import Crdkafka
import Dispatch
import Foundation
import NIOCore
import Logging
import Synchronization

extension KafkaConsumer {
    /// The consumer thread: poll, convert, hand over in batches, respect back-pressure; then close cleanly.
    func pollLoop() {
        let queue = self.client.eventQueue
        var batch: [KafkaConsumerEvent] = []
        batch.reserveCapacity(64)
        var terminated = false
        while !self.isStopRequested {
            let demandSeen = self.demand.generation
            if !self.demand.hasDemand {
                self.demand.waitForDemand(after: demandSeen, timeout: .milliseconds(100))
                continue
            }
            guard let first = rd_kafka_queue_poll(queue, 100) else { continue }
            self.handle(first, into: &batch, deliver: !terminated)
            while batch.count < 64, let next = rd_kafka_queue_poll(queue, 0) {
                self.handle(next, into: &batch, deliver: !terminated)
            }
            if let fatal = self.fatalError {
                self.source.finish(fatal)
                terminated = true
                break
            }
            guard !batch.isEmpty else { continue }
            switch self.source.yield(contentsOf: batch) {
            case .produceMore: break
            case .stopProducing: self.demand.stopProducing()
            case .dropped: terminated = true  // nobody iterates any more: keep the group membership until stop
            }
            batch.removeAll(keepingCapacity: true)
        }
        if !terminated { self.source.finish() }
        self.close(queue)
    }

    private var isStopRequested: Bool { self.stateSnapshot.isStopRequested }
    private var fatalError: KafkaError? { self.stateSnapshot.fatalError }

    /// Commits stored offsets, then leaves the group through the event queue (rebalance events served here).
    private func close(_ queue: OpaquePointer) {
        let commitErr = rd_kafka_commit(self.client.handle, nil, 0)
        if commitErr != RD_KAFKA_RESP_ERR_NO_ERROR, commitErr != RD_KAFKA_RESP_ERR__NO_OFFSET {
            self.client.logger.info("Final offset commit failed", metadata: ["kafka.error": "\(KafkaError.rdKafka(commitErr))"])
        }
        if let error = rd_kafka_consumer_close_queue(self.client.handle, queue) {
            self.client.logger.info("Consumer close failed", metadata: ["kafka.error": "\(KafkaError.consuming(error))"])
            return
        }
        var ignored: [KafkaConsumerEvent] = []
        let deadline = ContinuousClock.now + self.configuration.sessionTimeout + .seconds(5)
        while rd_kafka_consumer_closed(self.client.handle) == 0, ContinuousClock.now < deadline {
            if let event = rd_kafka_queue_poll(queue, 100) { self.handle(event, into: &ignored, deliver: false) }
            ignored.removeAll()
        }
    }

    private func handle(_ event: OpaquePointer, into batch: inout [KafkaConsumerEvent], deliver: Bool) {
        defer { rd_kafka_event_destroy(event) }
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_FETCH:
            while let message = rd_kafka_event_message_next(event) {
                guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    self.client.logger.info("Consumer error", metadata: ["kafka.error": "\(KafkaError.rdKafka(message.pointee.err))"])
                    continue
                }
                if deliver { batch.append(.message(KafkaConsumerMessage(copying: message))) }
            }
        case RD_KAFKA_EVENT_REBALANCE:
            self.rebalance(event, into: &batch, deliver: deliver)
        case RD_KAFKA_EVENT_LOG:
            self.client.log(event: event)
        case RD_KAFKA_EVENT_ERROR:
            if let fatal = self.client.handleErrorEvent(event) { self.recordFatal(fatal) }
        case RD_KAFKA_EVENT_OFFSET_COMMIT:
            let err = rd_kafka_event_error(event)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                self.client.logger.info("Offset commit failed", metadata: ["kafka.error": "\(KafkaError.rdKafka(err))"])
            }
        default:
            break
        }
    }

    private func rebalance(_ event: OpaquePointer, into batch: inout [KafkaConsumerEvent], deliver: Bool) {
        let handle = self.client.handle
        let list = rd_kafka_event_topic_partition_list(event)
        let partitions = [KafkaTopicPartition](rdKafkaList: list)
        let isCooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        switch rd_kafka_event_error(event) {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if isCooperative {
                if let error = rd_kafka_incremental_assign(handle, list) { self.logFailure("assign", KafkaError.consuming(error)) }
            } else {
                let err = rd_kafka_assign(handle, list)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { self.logFailure("assign", KafkaError.rdKafka(err)) }
            }
            self.client.logger.debug("Partitions assigned", metadata: ["kafka.partitions": "\(partitions)"])
            if deliver { batch.append(.partitionsAssigned(partitions)) }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // Commit what the caller marked processed before the partitions move to another member.
            let err = rd_kafka_commit(handle, nil, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                self.logFailure("commit on revoke", KafkaError.rdKafka(err))
            }
            if isCooperative {
                if let error = rd_kafka_incremental_unassign(handle, list) { self.logFailure("unassign", KafkaError.consuming(error)) }
            } else {
                let err = rd_kafka_assign(handle, nil)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { self.logFailure("unassign", KafkaError.rdKafka(err)) }
            }
            self.client.logger.debug("Partitions revoked", metadata: ["kafka.partitions": "\(partitions)"])
            if deliver { batch.append(.partitionsRevoked(partitions)) }
        default:
            let err = rd_kafka_event_error(event)
            self.logFailure("rebalance", KafkaError.rdKafka(err))
            _ = rd_kafka_assign(handle, nil)
        }
    }

    private func logFailure(_ what: String, _ error: KafkaError) {
        self.client.logger.info("Rebalance step failed", metadata: ["kafka.step": "\(what)", "kafka.error": "\(error)"])
    }
}

// MARK: - Back-pressure

/// Connects the async sequence's demand to the consumer thread: the thread stops fetching while the caller's
/// buffer is at its high watermark and resumes when NIO asks for more.
final class ConsumerDemand: NIOAsyncSequenceProducerDelegate, Sendable {
    private struct State {
        var hasDemand = true
        var generation: UInt64 = 0
    }
    private let state = Mutex(State())
    private let signal = DispatchSemaphore(value: 0)

    var hasDemand: Bool { self.state.withLock { $0.hasDemand } }
    var generation: UInt64 { self.state.withLock { $0.generation } }

    func stopProducing() {
        self.state.withLock { $0.hasDemand = false }
    }

    func produceMore() {
        self.state.withLock {
            $0.hasDemand = true
            $0.generation &+= 1
        }
        self.signal.signal()
    }

    func didTerminate() {
        self.produceMore()
    }

    /// Wakes a waiting consumer thread (shutdown).
    func wake() { self.signal.signal() }

    /// Blocks the consumer thread until demand returns after `generation`, a wake-up, or the timeout.
    func waitForDemand(after generation: UInt64, timeout: Duration) {
        if self.state.withLock({ $0.hasDemand || $0.generation != generation }) { return }
        _ = self.signal.wait(timeout: .now() + .milliseconds(timeout.rdKafkaMilliseconds))
    }
}

// MARK: - Conversion

extension KafkaConsumerMessage {
    /// Copies a librdkafka message (the original is freed with its event).
    init(copying pointer: UnsafePointer<rd_kafka_message_t>) {
        let message = pointer.pointee
        let topic = String(cString: rd_kafka_topic_name(message.rkt))
        let key = message.key.map { Data(bytes: $0, count: message.key_len) }
        let value = message.payload.map { Data(bytes: $0, count: message.len) } ?? Data()
        var headers: [KafkaHeader] = []
        var rdHeaders: OpaquePointer?
        if rd_kafka_message_headers(pointer, &rdHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let rdHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var bytes: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(rdHeaders, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(key: String(cString: name!), value: bytes.map { Data(bytes: $0, count: size) }))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let millis = rd_kafka_message_timestamp(pointer, &timestampType)
        let timestamp = millis >= 0 ? Date(timeIntervalSince1970: Double(millis) / 1000) : nil
        self.init(
            topic: topic, partition: message.partition, offset: message.offset, key: key, value: value,
            headers: headers, timestamp: timestamp)
    }
}
