/// How Kafka cleans up a topic.
public enum CleanupPolicy: String, Sendable, Hashable, CaseIterable {
    /// Delete old segments by retention time or size.
    case delete
    /// Keep the latest record per key.
    case compact
}

/// One Kafka topic of Tradewire: its name, key, partition count, cleanup policy and message.
public struct TopicSpec: Sendable, Hashable {
    /// Topic name, for example `orders.commands`.
    public let name: String
    /// What the record key is, in words: `venue id`, `venue:symbol`, `commandId`, `venue id or *`, `original key`.
    public let key: String
    /// Partition count.
    public let partitions: Int
    /// Delete or compact.
    public let cleanupPolicy: CleanupPolicy
    /// ``WireMessage/schemaName`` of the records, for example `order-command`.
    public let schemaName: String

    /// Creates a topic description.
    public init(name: String, key: String, partitions: Int, cleanupPolicy: CleanupPolicy, schemaName: String) {
        self.name = name
        self.key = key
        self.partitions = partitions
        self.cleanupPolicy = cleanupPolicy
        self.schemaName = schemaName
    }
}

/// Every topic of Tradewire; mirrors `schemas/topics.json` (a test keeps them equal).
public enum TopicCatalogue {
    /// Order commands from upstream, keyed by venue id.
    public static let ordersCommands = TopicSpec(
        name: "orders.commands", key: "venue id", partitions: 16, cleanupPolicy: .delete, schemaName: "order-command")
    /// Execution reports, keyed by venue id.
    public static let ordersReports = TopicSpec(
        name: "orders.reports", key: "venue id", partitions: 16, cleanupPolicy: .delete,
        schemaName: "execution-report")
    /// Fills, keyed by venue id.
    public static let ordersFills = TopicSpec(
        name: "orders.fills", key: "venue id", partitions: 16, cleanupPolicy: .delete, schemaName: "fill")
    /// The executor's crash-recovery journal, keyed by commandId, compacted.
    public static let ordersState = TopicSpec(
        name: "orders.state", key: "commandId", partitions: 16, cleanupPolicy: .compact, schemaName: "journal-entry")
    /// Halt/resume (kill switch), keyed by venue id or `*`.
    public static let ordersControl = TopicSpec(
        name: "orders.control", key: "venue id or *", partitions: 1, cleanupPolicy: .delete,
        schemaName: "control-command")
    /// Dead letters, keyed by the original record's key.
    public static let ordersDLQ = TopicSpec(
        name: "orders.dlq", key: "original key", partitions: 4, cleanupPolicy: .delete, schemaName: "dead-letter")
    /// Market data ticks, keyed `venue:symbol`.
    public static let marketTicks = TopicSpec(
        name: "market.ticks", key: "venue:symbol", partitions: 16, cleanupPolicy: .delete, schemaName: "tick")
    /// Sealed token grants, keyed by venue id, compacted.
    public static let authTokens = TopicSpec(
        name: "auth.tokens", key: "venue id", partitions: 4, cleanupPolicy: .compact, schemaName: "token-grant")
    /// Token refresh requests, keyed by venue id.
    public static let authRefreshRequests = TopicSpec(
        name: "auth.refresh-requests", key: "venue id", partitions: 4, cleanupPolicy: .delete,
        schemaName: "token-refresh-request")
    /// Auth events (no secrets), keyed by venue id.
    public static let authEvents = TopicSpec(
        name: "auth.events", key: "venue id", partitions: 4, cleanupPolicy: .delete, schemaName: "auth-event")
    /// Venue connection states, keyed by venue id.
    public static let venuesStatus = TopicSpec(
        name: "venues.status", key: "venue id", partitions: 4, cleanupPolicy: .delete, schemaName: "venue-status")

    /// Run-time symbol subscriptions of the tick-publisher, keyed by venue id.
    public static let marketSubscriptions = TopicSpec(
        name: "market.subscriptions", key: "venue id", partitions: 4, cleanupPolicy: .delete,
        schemaName: "market-subscription")

    /// Every topic, in the order of the architecture's topic table (then the additions).
    public static let all: [TopicSpec] = [
        ordersCommands, ordersReports, ordersFills, ordersState, ordersControl, ordersDLQ,
        marketTicks, authTokens, authRefreshRequests, authEvents, venuesStatus, marketSubscriptions,
    ]

    /// The topic named `name`, if any.
    public static func topic(named name: String) -> TopicSpec? {
        self.all.first { $0.name == name }
    }
}
