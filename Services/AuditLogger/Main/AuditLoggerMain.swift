import ArgumentParser
import AuditLoggerCore
import AuditStore
import Foundation
import KafkaBridge
import Logging
import ServiceRuntime

/// `audit-logger`: every record of every topic into the hash-chained audit store.
@main
struct AuditLoggerMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-logger", abstract: "Stores every Kafka record once in a hash-chained audit log (SQLite or PostgreSQL).")

    @Option(help: "SQLite database file (the default store; or TRADEWIRE_AUDIT_DB).")
    var db: String?

    @Option(help: "PostgreSQL connection string instead of SQLite (or TRADEWIRE_AUDIT_POSTGRES), e.g. postgres://user@host:5432/audit.")
    var postgres: String?

    @Option(help: "Records per database transaction at most.")
    var batchSize = 2000

    @Option(help: "Address of /health and /metrics.")
    var httpHost = "0.0.0.0"

    @Option(help: "Port of /health and /metrics (0 picks a free port).")
    var httpPort = 9467

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Log format: json or text.")
    var logFormat = "json"

    func run() async throws {
        guard let level = Logger.Level(rawValue: self.logLevel) else { throw ValidationError("unknown log level \(self.logLevel)") }
        guard let format = LogFormat(rawValue: self.logFormat) else { throw ValidationError("log format is json or text") }
        guard self.batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        format.bootstrap(level: level)
        let logger = Logger(label: "audit-logger")
        let environment = ProcessInfo.processInfo.environment
        let store = try AuditStores.open(
            sqlitePath: self.db ?? environment["TRADEWIRE_AUDIT_DB"],
            postgres: self.postgres ?? environment["TRADEWIRE_AUDIT_POSTGRES"], logger: logger)
        var configuration = AuditLoggerConfiguration()
        configuration.batchSize = self.batchSize
        let metrics = ServiceMetrics()
        let health = HealthBoard()
        let services = try AuditLogger.makeServices(
            configuration: configuration, store: store, metrics: metrics, health: health, logger: logger)
        try await ServiceProcess.run(
            name: "audit-logger", services: services, httpHost: self.httpHost, httpPort: self.httpPort,
            health: health, metrics: metrics, logger: logger)
    }
}
