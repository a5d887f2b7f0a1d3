public import Foundation
public import Messages

/// One record read from `orders.commands`, as the intake needs it.
public struct CommandRecord: Sendable, Hashable {
    /// Source topic.
    public var topic: String
    /// Source partition.
    public var partition: Int32
    /// Source offset.
    public var offset: Int64
    /// Record key (the venue id).
    public var key: Data?
    /// Raw payload.
    public var value: Data
    /// Record timestamp.
    public var timestamp: Date?

    /// Creates a record.
    public init(topic: String, partition: Int32, offset: Int64, key: Data?, value: Data, timestamp: Date? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
    }
}

/// What the intake makes of a record: a valid command, or a dead letter (nothing is dropped silently) plus a
/// `rejected` report when the record names enough (commandId, clientOrderId, venue) for the upstream to match it.
public enum CommandIntakeResult: Sendable, Hashable {
    /// A decoded, validated command.
    case command(OrderCommand)
    /// The record cannot be executed.
    case refused(DeadLetter, ExecutionReport?)
}

/// Decodes and validates `orders.commands` records. Never throws and never crashes on input.
public struct CommandIntake: Sendable {
    /// Name of the service writing dead letters.
    public var service: String

    /// Creates an intake.
    public init(service: String = "order-executor") {
        self.service = service
    }

    /// Decodes `record`, checking also that its key is the command's venue (per-venue ordering depends on it).
    public func accept(_ record: CommandRecord, receivedAt: Timestamp = .now()) -> CommandIntakeResult {
        let command: OrderCommand
        do {
            command = try WireFormat.decode(OrderCommand.self, from: record.value)
        } catch {
            return self.refuse(record, failure: DeadLetter.Failure(error), receivedAt: receivedAt)
        }
        let key = record.key.map { String(decoding: $0, as: UTF8.self) }
        guard key == command.venue else {
            let failure = DeadLetter.Failure(
                code: "key_mismatch",
                message: "the record key must be the venue id \(command.venue) (per-venue ordering depends on it)",
                pointer: "/venue")
            return self.refuse(record, failure: failure, receivedAt: receivedAt)
        }
        return .command(command)
    }

    /// Refuses a record that decoded but cannot be served (an unknown venue, say): a dead letter with `failure`, and a
    /// `rejected` report whose reason code is `reportCode`.
    public func refuse(
        _ record: CommandRecord, failure: DeadLetter.Failure, reportCode: String = "invalid_command", receivedAt: Timestamp
    ) -> CommandIntakeResult {
        let identity = ReadableIdentity(record.value)
        let letter = DeadLetter(
            original: DeadLetter.Origin(
                topic: record.topic, partition: Int(record.partition), offset: record.offset, key: record.key,
                timestamp: record.timestamp.map { Timestamp(date: $0) }),
            payload: record.value, error: failure, commandId: identity.commandId, service: self.service,
            deadLetteredAt: .now())
        return .refused(letter, identity.rejection(failure: failure, code: reportCode, receivedAt: receivedAt))
    }
}

/// Whatever identifies a command in an otherwise unreadable record, read leniently.
struct ReadableIdentity {
    var commandId: UUID?
    var clientOrderId: String?
    var venue: String?
    var action: OrderAction?

    init(_ payload: Data) {
        let object = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any]
        self.commandId = (object?["commandId"] as? String).flatMap(UUID.init(uuidString:))
        self.clientOrderId = object?["clientOrderId"] as? String
        self.venue = object?["venue"] as? String
        self.action = (object?["action"] as? String).flatMap(OrderAction.init(rawValue:))
    }

    /// A final `rejected` report, if the identity is complete and valid on the wire.
    func rejection(failure: DeadLetter.Failure, code: String, receivedAt: Timestamp) -> ExecutionReport? {
        guard let commandId = self.commandId, let clientOrderId = self.clientOrderId, let venue = self.venue else { return nil }
        let report = ExecutionReport(
            reportId: UUID(), commandId: commandId, clientOrderId: clientOrderId, venue: venue,
            action: self.action ?? .place, status: .rejected, isFinal: true, filledQuantity: 0,
            reason: Reason(code: code, message: failure.message), receivedAt: receivedAt, reportedAt: .now())
        // Identity fields that break the report schema (a malformed venue id, say) mean no report: the DLQ has it all.
        return (try? WireFormat.encode(report)) == nil ? nil : report
    }
}
