public import Logging

/// Opens the configured audit store.
public enum AuditStores {
    /// The default SQLite file.
    public static let defaultSQLitePath = ".tradewire/audit.sqlite"

    /// PostgreSQL when `postgres` is given, else SQLite at `sqlitePath` (or the default path).
    public static func open(sqlitePath: String?, postgres: String?, readOnly: Bool = false, logger: Logger) throws -> any AuditStore {
        if let postgres, !postgres.isEmpty {
            return try PostgresAuditStore(connectionString: postgres, logger: logger)
        }
        return try SQLiteAuditStore(path: sqlitePath ?? Self.defaultSQLitePath, readOnly: readOnly)
    }
}
