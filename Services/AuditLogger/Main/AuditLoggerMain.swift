import ArgumentParser
import AuditLoggerCore
import AuditStore
import Foundation
import ServiceCommand
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

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        guard self.batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() async throws {
        let logger = self.service.startLogging(label: "audit-logger")
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
        try await self.service.run(
            name: "audit-logger", defaultPort: 9467, services: services, health: health, metrics: metrics, logger: logger)
    }
}
