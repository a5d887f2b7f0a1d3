#include "CKafkaHelpers.h"

static rd_kafka_headers_t *tw_make_headers(const tw_header *headers, size_t header_count) {
    if (header_count == 0) {
        return NULL;
    }
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(header_count);
    for (size_t i = 0; i < header_count; i++) {
        rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value, (ssize_t)headers[i].value_len);
    }
    return hdrs;
}

rd_kafka_resp_err_t tw_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
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
