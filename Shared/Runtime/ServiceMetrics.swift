public import Prometheus

/// The Prometheus registry of one service process, with the metrics Tradewire's services share.
///
/// Names follow Prometheus conventions (`_total` counters, `_seconds` durations). The registry is per instance, not
/// the process-global swift-metrics bootstrap, so tests can run several services in one process.
public struct ServiceMetrics: Sendable {
    /// The registry rendered by `/metrics`.
    public let registry: PrometheusCollectorRegistry

    /// Latency buckets for order stages: 1 ms to 30 s.
    public static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
        .seconds(10), .seconds(30),
    ]

    /// A fresh registry.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Terminal outcomes by venue and status (`dead_letter` for records that could not be read).
    public func orderFinished(venue: String, outcome: String) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "orders", unitName: "total", helpText: "Commands finished, by venue and terminal outcome."), labels: [("venue", venue), ("outcome", outcome)]).increment()
    }

    /// Dead letters by reason code.
    public func deadLettered(code: String) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "dead_letters", unitName: "total", helpText: "Records sent to the dead-letter topic, by reason."), labels: [("code", code)]).increment()
    }

    /// Duplicate commands that were not executed again.
    public func duplicate(venue: String) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "duplicate_commands", unitName: "total", helpText: "Commands seen again (same commandId) and not executed again."), labels: [("venue", venue)]).increment()
    }

    /// Time of one order stage: `venue` (request sent → answer), `total` (command received → report on Kafka).
    public func recordLatency(venue: String, stage: String, _ duration: Duration) {
        self.registry.makeDurationHistogram(
            descriptor: .init(namespace: "tradewire", metricName: "order_latency", unitName: "seconds", helpText: "Order latency by stage."), labels: [("venue", venue), ("stage", stage)],
            buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Age of the session grant in use.
    public func grantAge(venue: String, seconds: Double) {
        self.registry.makeGauge(
            descriptor: .init(namespace: "tradewire", metricName: "grant_age", unitName: "seconds", helpText: "Seconds since the session grant in use was issued."), labels: [("venue", venue)]).set(seconds)
    }

    /// Refresh requests sent (executor side) or refresh failures (broker side).
    public func refreshRequested(venue: String) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "token_refresh_requests", unitName: "total", helpText: "Token refresh requests sent to the auth-token-broker."), labels: [("venue", venue)]).increment()
    }

    /// A login or refresh that failed.
    public func refreshFailed(venue: String, revoked: Bool) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "token_refresh_failures", unitName: "total", helpText: "Venue logins and refreshes that failed."), labels: [("venue", venue), ("revoked", revoked ? "true" : "false")]).increment()
    }

    /// Grants published by the auth-token-broker.
    public func grantPublished(venue: String) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "grants_published", unitName: "total", helpText: "Session grants published."), labels: [("venue", venue)]).increment()
    }

    /// Whether new orders for a venue are halted (1) or not (0).
    public func halted(venue: String, _ isHalted: Bool) {
        self.registry.makeGauge(
            descriptor: .init(namespace: "tradewire", metricName: "venue_halted", unitName: "", helpText: "1 while new orders for the venue are halted."), labels: [("venue", venue)]).set(isHalted ? 1.0 : 0.0)
    }

    /// The counter of ticks published for `venue` (kept by the caller: the hot path does not look it up per tick).
    public func ticksCounter(venue: String) -> Counter {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "ticks", unitName: "total", helpText: "Ticks published to market.ticks."),
            labels: [("venue", venue)])
    }

    /// A quote that did not become a tick on Kafka, by why.
    public func tickDropped(venue: String, reason: String) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "ticks_dropped", unitName: "total", helpText: "Quotes not published as ticks, by reason."),
            labels: [("venue", venue), ("reason", reason)]
        ).increment()
    }

    /// One audit batch stored.
    public func auditStored(inserted: Int, duplicates: Int, duration: Duration) {
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "audit_records", unitName: "total", helpText: "Records stored in the audit log."),
            labels: []
        ).increment(by: Int64(inserted))
        self.registry.makeCounter(
            descriptor: .init(namespace: "tradewire", metricName: "audit_duplicates", unitName: "total", helpText: "Records seen again and not stored twice."),
            labels: []
        ).increment(by: Int64(duplicates))
        self.registry.makeDurationHistogram(
            descriptor: .init(namespace: "tradewire", metricName: "audit_batch_write", unitName: "seconds", helpText: "Time to store one batch durably."),
            labels: [], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// The exposition text (`text/plain; version=0.0.4`).
    public func render() -> String { self.registry.emitToString() }
}
