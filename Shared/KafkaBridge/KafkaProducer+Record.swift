import Crdkafka
import Foundation

/// Hands one record to librdkafka (payload, key and headers are copied). Headers are marshalled into two flat
/// buffers (names, values) so a message with headers costs two allocations and none without.
func produceRecord(
    _ handle: OpaquePointer, topic: OpaquePointer, _ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer?
) -> rd_kafka_resp_err_t {
    let partition = message.partition ?? RD_KAFKA_PARTITION_UA
    return message.value.withUnsafeBytes { value in
        withOptionalBytes(message.key) { key in
            withHeaders(message.headers) { headers, headerCount in
                tw_produce(
                    handle, topic, partition, key.baseAddress, key.count, value.baseAddress, value.count,
                    headers, headerCount, opaque)
            }
        }
    }
}

private func withOptionalBytes<R>(_ data: Data?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    guard let data else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return data.withUnsafeBytes(body)
}

private func withHeaders<R>(_ headers: [KafkaHeader], _ body: (UnsafePointer<tw_header>?, Int) -> R) -> R {
    if headers.isEmpty { return body(nil, 0) }
    var names: [CChar] = []
    var values: [UInt8] = []
    var nameOffsets: [Int] = []
    var valueRanges: [Range<Int>?] = []
    for header in headers {
        nameOffsets.append(names.count)
        names.append(contentsOf: header.key.utf8CString)
        if let value = header.value {
            valueRanges.append(values.count..<(values.count + value.count))
            values.append(contentsOf: value)
        } else {
            valueRanges.append(nil)
        }
    }
    return names.withUnsafeBufferPointer { namesBuffer in
        values.withUnsafeBufferPointer { valuesBuffer in
            let entries = headers.indices.map { index in
                let range = valueRanges[index]
                return tw_header(
                    name: namesBuffer.baseAddress! + nameOffsets[index],
                    // An empty value still needs a non-null pointer (null means a null header).
                    value: range.map { valuesBuffer.baseAddress.map(UnsafeRawPointer.init)?.advanced(by: $0.lowerBound)
                        ?? UnsafeRawPointer(namesBuffer.baseAddress!) },
                    value_len: range?.count ?? 0)
            }
            return entries.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
        }
    }
}
