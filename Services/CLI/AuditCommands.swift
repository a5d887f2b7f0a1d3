import ArgumentParser
import AuditStore
import Foundation
import Logging

struct AuditCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Query and verify the audit log the audit-logger writes.",
        subcommands: [AuditTrail.self, AuditSearch.self, AuditVerify.self])
}

/// Where the audit log is.
struct AuditStoreOptions: ParsableArguments {
    @Option(help: "SQLite audit database (default: TRADEWIRE_AUDIT_DB, else .tradewire/dev/audit.sqlite when present, else .tradewire/audit.sqlite).")
    var db: String?

    @Option(help: "PostgreSQL connection string instead (or TRADEWIRE_AUDIT_POSTGRES).")
    var postgres: String?

    @Flag(help: "Print each row's stored JSON, indented.")
    var json = false

    func open() throws -> any AuditStore {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "tradewire")
        logger.logLevel = .error
        let dev = ".tradewire/dev/audit.sqlite"
        let path = self.db ?? environment["TRADEWIRE_AUDIT_DB"]
            ?? (FileManager.default.fileExists(atPath: dev) ? dev : AuditStores.defaultSQLitePath)
        let postgres = self.postgres ?? environment["TRADEWIRE_AUDIT_POSTGRES"]
        if postgres == nil, !FileManager.default.fileExists(atPath: path) {
            throw CLIError("no audit database at \(path) (is the audit-logger running? --db names another file)")
        }
        return try AuditStores.open(sqlitePath: path, postgres: postgres, readOnly: true, logger: logger)
    }

    func print(_ rows: [AuditRow]) {
        for row in rows {
            Swift.print(AuditDescribe.line(row))
            if self.json { Swift.print(Describe.json(row.record.payload)) }
        }
    }
}

struct AuditTrail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail", abstract: "The whole life of an order across topics, in time order.")

    @Option(help: "The command's id.")
    var commandId: String?

    @Option(help: "The client order id.")
    var clientOrderId: String?

    @OptionGroup var store: AuditStoreOptions

    func validate() throws {
        guard (self.commandId == nil) != (self.clientOrderId == nil) else {
            throw ValidationError("give --command-id or --client-order-id")
        }
    }

    func run() async throws {
        let rows = try await self.store.open().trail(commandId: self.commandId, clientOrderId: self.clientOrderId)
        guard !rows.isEmpty else { throw CLIError("no record of that order in the audit log") }
        self.store.print(rows)
    }
}

struct AuditSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Records by venue, topic and time.")

    @Option(help: "Venue id.")
    var venue: String?

    @Option(help: "Topic name.")
    var topic: String?

    @Option(help: "From (RFC 3339, for example 2026-11-21T09:00:00Z).")
    var from: String?

    @Option(help: "To, exclusive (RFC 3339).")
    var to: String?

    @Option(help: "At most this many rows.")
    var limit = 1000

    @OptionGroup var store: AuditStoreOptions

    func run() async throws {
        func date(_ text: String?) throws -> Date? {
            guard let text else { return nil }
            guard let date = ISO8601DateFormatter().date(from: text) ?? Self.fractional.date(from: text) else {
                throw ValidationError("\(text) is not an RFC 3339 time like 2026-11-21T09:00:00Z")
            }
            return date
        }
        let query = AuditQuery(venue: self.venue, topic: self.topic, from: try date(self.from), to: try date(self.to), limit: self.limit)
        self.store.print(try await self.store.open().search(query))
    }

    nonisolated(unsafe) static let fractional: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Recompute the hash chain; name the first row that does not match (exit 1).")

    @OptionGroup var store: AuditStoreOptions

    func run() async throws {
        switch try await self.store.open().verify() {
        case .intact(let rows):
            print("audit log intact: \(rows) rows, hash chain verified")
        case .broken(let row, let topic, let partition, let offset, let reason):
            print("audit log TAMPERED at row \(row) (\(topic)[\(partition)]@\(offset)): \(reason)")
            throw ExitCode(1)
        }
    }
}

/// One readable line per audit row.
enum AuditDescribe {
    static func line(_ row: AuditRow) -> String {
        let record = row.record
        let time = record.timestampMs.map { Date(timeIntervalSince1970: Double($0) / 1000) }
            .map { Self.formatter.string(from: $0) } ?? "-"
        let object = (try? JSONSerialization.jsonObject(with: record.payload)) as? [String: Any] ?? [:]
        return "\(time)  #\(row.id)  \(record.topic)[\(record.partition)]@\(record.offset)  \(self.summary(record.schema, object))"
    }

    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    private static func summary(_ schema: String?, _ object: [String: Any]) -> String {
        func field(_ name: String) -> String? {
            guard let value = object[name] else { return nil }
            // JSONSerialization hands booleans back as numbers; `final` is the only boolean shown.
            if name == "final", let flag = value as? NSNumber { return flag.boolValue ? "true" : "false" }
            return "\(value)"
        }
        let fields: [String]
        switch schema?.split(separator: "/").first.map(String.init) {
        case "order-command": fields = ["action", "side", "quantity", "symbol", "venueOrderId", "commandId", "clientOrderId"]
        case "execution-report": fields = ["status", "final", "venueOrderId", "filledQuantity", "averagePrice", "commandId"]
        case "fill": fields = ["side", "quantity", "symbol", "price", "venueOrderId"]
        case "journal-entry": fields = ["phase", "executor", "commandId"]
        case "dead-letter": fields = ["commandId"]
        case "auth-event": fields = ["kind", "venue", "version"]
        case "token-grant": fields = ["venue", "version", "keyId", "expiresAt"]
        case "token-refresh-request": fields = ["venue", "reason", "staleVersion", "requestedBy"]
        case "control-command": fields = ["action", "scope", "operator", "reason"]
        case "venue-status": fields = ["venue", "status"]
        case "tick": fields = ["symbol", "bid", "ask", "seq"]
        default: fields = []
        }
        var parts = [schema ?? "(unreadable)"]
        for name in fields { if let value = field(name) { parts.append("\(name)=\(value)") } }
        if let reason = object["reason"] as? [String: Any], let code = reason["code"] { parts.append("reason=\(code)") }
        if let error = object["error"] as? [String: Any], let code = error["code"] { parts.append("error=\(code)") }
        return parts.joined(separator: " ")
    }
}
