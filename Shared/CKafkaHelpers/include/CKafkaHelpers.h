#ifndef TRADEWIRE_CKAFKAHELPERS_H
#define TRADEWIRE_CKAFKAHELPERS_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

/// One header of a message to produce (value may be NULL for a null header).
typedef struct tw_header {
    const char *name;
    const void *value;
    size_t value_len;
} tw_header;

/// Produces one message (payload and key copied) to the topic handle `rkt`, with optional headers.
/// Wraps the variadic rd_kafka_producev(), which Swift cannot call. A cached topic handle spares librdkafka
/// a topic lookup per message.
/// `partition` is RD_KAFKA_PARTITION_UA (-1) to let the partitioner choose by key.
/// Returns RD_KAFKA_RESP_ERR_NO_ERROR or the error; on error nothing was enqueued.
rd_kafka_resp_err_t tw_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                               const void *key, size_t key_len,
                               const void *payload, size_t payload_len,
                               const tw_header *headers, size_t header_count,
                               void *opaque);

#endif
