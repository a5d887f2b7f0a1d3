import Crdkafka
import Dispatch

extension RDKafkaClient {
    /// Every topic the cluster knows, with its partition count (a blocking call, run off the cooperative pool).
    func topicPartitionCounts(timeout: Duration) async throws -> [String: Int] {
        let milliseconds = Int32(timeout.rdKafkaMilliseconds)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[String: Int], any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { () throws(KafkaError) -> [String: Int] in
                    try self.fetchTopicPartitionCounts(timeoutMilliseconds: milliseconds)
                })
            }
        }
    }

    /// Blocks until the brokers answer a metadata request for all topics.
    private func fetchTopicPartitionCounts(timeoutMilliseconds: Int32) throws(KafkaError) -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let err: rd_kafka_resp_err_t = rd_kafka_metadata(self.handle, 1, nil, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError.rdKafka(err) }
        defer { rd_kafka_metadata_destroy(metadata) }
        var result: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            result[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return result
    }
}

extension KafkaProducer {
    /// Every topic of the cluster with its partition count, as the brokers report it.
    public func topicPartitionCounts(timeout: Duration = .seconds(5)) async throws -> [String: Int] {
        try await self.client.topicPartitionCounts(timeout: timeout)
    }
}
