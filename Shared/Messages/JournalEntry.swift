public import Foundation

/// One record of the order executor's crash-recovery journal. Topic `orders.state` (compacted), keyed by commandId.
///
/// Schema `journal-entry/v1`. An `intent` entry carries the ``command`` about to be executed; a `done` entry carries
/// the terminal ``report``. After a crash, an intent without a later done entry is *in doubt* and must be reconciled
/// with the venue, never re-sent blindly. Unknown fields are ignored when decoding (the nested command still rejects
/// its own unknown fields).
public struct JournalEntry: WireMessage, Hashable {
    /// `"journal-entry"`.
    public static let schemaName = "journal-entry"

    /// The command this entry is about (also the Kafka key).
    public var commandId: UUID
    /// Venue id.
    public var venue: String
    /// Intent or done.
    public var phase: JournalPhase
    /// Executor instance id (1-128 characters).
    public var executor: String
    /// Execution attempt, from 1.
    public var attempt: Int
    /// The command; required when ``phase`` is `intent`.
    public var command: OrderCommand?
    /// The terminal report; required when ``phase`` is `done`.
    public var report: ExecutionReport?
    /// When the entry was written.
    public var recordedAt: Timestamp

    /// Creates an entry. Rules are checked when encoding.
    public init(
        commandId: UUID,
        venue: String,
        phase: JournalPhase,
        executor: String,
        attempt: Int,
        command: OrderCommand? = nil,
        report: ExecutionReport? = nil,
        recordedAt: Timestamp
    ) {
        self.commandId = commandId
        self.venue = venue
        self.phase = phase
        self.executor = executor
        self.attempt = attempt
        self.command = command
        self.report = report
        self.recordedAt = recordedAt
    }

    /// Decodes and validates an entry, including the nested command or report.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        self.init(
            commandId: try reader.uuid("commandId"),
            venue: try reader.string("venue"),
            phase: try reader.value("phase"),
            executor: try reader.string("executor"),
            attempt: try reader.integer("attempt"),
            command: try reader.nested(ifPresent: "command", as: OrderCommand.self),
            report: try reader.nested(ifPresent: "report", as: ExecutionReport.self),
            recordedAt: try reader.timestamp("recordedAt")
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the entry.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.commandId, "commandId")
        try writer.put(self.venue, "venue")
        try writer.put(self.phase, "phase")
        try writer.put(self.executor, "executor")
        try writer.put(self.attempt, "attempt")
        try writer.put(self.command, "command")
        try writer.put(self.report, "report")
        try writer.put(self.recordedAt, "recordedAt")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        try rules.text(self.executor, "executor", length: 1...128)
        try rules.atLeast(self.attempt, 1, "attempt")
        switch self.phase {
        case .intent: try rules.require(self.command != nil, "command", when: "phase is intent")
        case .done: try rules.require(self.report != nil, "report", when: "phase is done")
        }
    }
}
