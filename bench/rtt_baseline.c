/*
 * Round-trip baseline for `make bench`: librdkafka used directly from C.
 * Produces one message, waits until the consumer (a group member) receives it, and repeats;
 * prints p50/p99/p999 in microseconds as JSON on stdout.
 *
 * usage: rtt_baseline BOOTSTRAP TOPIC SAMPLES WARMUP FETCH_WAIT_MS PAYLOAD_FILE
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char errstr[256];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "config %s: %s\n", key, errstr);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s BOOTSTRAP TOPIC SAMPLES WARMUP FETCH_WAIT_MS PAYLOAD_FILE\n", argv[0]);
        return 2;
    }
    const char *bootstrap = argv[1], *topic = argv[2], *fetch_wait = argv[5];
    int samples = atoi(argv[3]), warmup = atoi(argv[4]);

    char payload[4096];
    FILE *file = fopen(argv[6], "r");
    if (!file || !fgets(payload, sizeof(payload), file)) {
        fprintf(stderr, "cannot read payload file\n");
        return 2;
    }
    fclose(file);
    size_t payload_len = strcspn(payload, "\n");
    char errstr[512];

    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    set(pconf, "bootstrap.servers", bootstrap);
    set(pconf, "linger.ms", "0");
    set(pconf, "enable.idempotence", "true");
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof(errstr));
    if (!producer) { fprintf(stderr, "producer: %s\n", errstr); return 1; }

    char group[128];
    snprintf(group, sizeof(group), "rtt-baseline-%s", topic);
    rd_kafka_conf_t *cconf = rd_kafka_conf_new();
    set(cconf, "bootstrap.servers", bootstrap);
    set(cconf, "group.id", group);
    set(cconf, "auto.offset.reset", "earliest");
    set(cconf, "session.timeout.ms", "6000");
    set(cconf, "fetch.wait.max.ms", fetch_wait);
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof(errstr));
    if (!consumer) { fprintf(stderr, "consumer: %s\n", errstr); return 1; }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *subscription = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subscription, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, subscription);
    rd_kafka_topic_partition_list_destroy(subscription);

    int total = warmup + samples;
    int64_t *rtt = calloc((size_t)samples, sizeof(int64_t));
    for (int i = 0; i < total; i++) {
        int64_t start = now_ns();
        rd_kafka_resp_err_t err = rd_kafka_producev(
            producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY("rtt", 3),
            RD_KAFKA_V_VALUE(payload, payload_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err) { fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err)); return 1; }
        rd_kafka_poll(producer, 0);
        for (;;) {
            rd_kafka_message_t *message = rd_kafka_consumer_poll(consumer, 30000);
            if (!message) { fprintf(stderr, "no message within 30 s\n"); return 1; }
            int ok = !message->err;
            rd_kafka_message_destroy(message);
            if (ok) break;
        }
        if (i >= warmup) rtt[i - warmup] = now_ns() - start;
    }
    qsort(rtt, (size_t)samples, sizeof(int64_t), compare_i64);
    printf("{\"samples\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f}\n", samples,
           rtt[samples / 2] / 1000.0, rtt[(int)(samples * 0.99)] / 1000.0, rtt[(int)(samples * 0.999)] / 1000.0);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_flush(producer, 5000);
    rd_kafka_destroy(producer);
    free(rtt);
    return 0;
}
