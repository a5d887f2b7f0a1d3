#ifndef TRADEWIRE_CRDKAFKA_SHIM_H
#define TRADEWIRE_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Inline helpers for librdkafka calls Swift cannot make (variadic rd_kafka_producev). They live in this one
 * module so that librdkafka's declarations have a single owning Clang module. */

typedef struct tw_header {
    const char *name;
    const void *value;
    size_t value_len;
} tw_header;

static inline rd_kafka_headers_t *tw_make_headers(const tw_header *headers, size_t header_count) {
    if (header_count == 0) {
        return NULL;
    }
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(header_count);
    for (size_t i = 0; i < header_count; i++) {
        rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value, (ssize_t)headers[i].value_len);
    }
    return hdrs;
}

/// Produces one message (payload and key copied) to the topic handle `rkt`, with optional headers.
/// Wraps the variadic rd_kafka_producev(), which Swift cannot call. A cached topic handle spares librdkafka
/// a topic lookup per message.
/// `partition` is RD_KAFKA_PARTITION_UA (-1) to let the partitioner choose by key.
/// Returns RD_KAFKA_RESP_ERR_NO_ERROR or the error; on error nothing was enqueued.
static inline rd_kafka_resp_err_t tw_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                               const void *key, size_t key_len,
                               const void *payload, size_t payload_len,
                               const tw_header *headers, size_t header_count,
                               void *opaque) {
    rd_kafka_headers_t *hdrs = tw_make_headers(headers, header_count);
    rd_kafka_resp_err_t err;
    if (hdrs) {
        err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)payload, payload_len),
                                RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        /* On failure the headers were not taken over by librdkafka. */
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_headers_destroy(hdrs);
        }
    } else {
        err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)payload, payload_len),
                                RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return err;
}

#endif
