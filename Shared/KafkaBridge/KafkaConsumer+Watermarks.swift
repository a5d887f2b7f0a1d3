import Crdkafka
import Dispatch

/// The offsets a partition currently spans: `low` is the first stored offset, `high` the offset the next record will
/// get (so a consumer that has processed offset `high - 1` is caught up).
public struct KafkaWatermarks: Sendable, Hashable {
    /// First offset still stored.
    public var low: Int64
    /// Offset of the next record to be written.
    public var high: Int64
}

extension KafkaConsumer {
    /// Asks the partition leader for a partition's current watermarks (a blocking call, run off the cooperative
    /// pool). Used to replay a topic "up to now" — a journal or a compacted state topic — before serving.
    public func watermarks(
        topic: String, partition: Int32, timeout: Duration = .seconds(5)
    ) async throws -> KafkaWatermarks {
        let client = self.client
        let milliseconds = Int32(timeout.rdKafkaMilliseconds)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var low: Int64 = -1
                var high: Int64 = -1
                let err = rd_kafka_query_watermark_offsets(client.handle, topic, partition, &low, &high, milliseconds)
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    continuation.resume(returning: KafkaWatermarks(low: low, high: high))
                } else {
                    continuation.resume(throwing: KafkaError.rdKafka(err))
                }
            }
        }
    }
}
