import CSQLite
import Foundation

/// A small synchronous wrapper over one SQLite connection (system libsqlite3). Not thread-safe: the owner serialises
/// access (``SQLiteAuditStore`` runs it on one dedicated queue).
final class SQLiteDatabase {
    private var handle: OpaquePointer?

    init(path: String, readOnly: Bool = false) throws(AuditStoreError) {
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let code = sqlite3_open_v2(path, &self.handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK else {
            let message = self.handle.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(code)"
            sqlite3_close(self.handle)
            self.handle = nil
            throw AuditStoreError("cannot open the SQLite database \(path): \(message)")
        }
        sqlite3_busy_timeout(self.handle, 5000)
    }

    deinit { sqlite3_close_v2(self.handle) }

    func execute(_ sql: String) throws(AuditStoreError) {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(self.handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw AuditStoreError("SQLite: \(message)")
        }
    }

    func prepare(_ sql: String) throws(AuditStoreError) -> Statement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(self.handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw AuditStoreError("SQLite: \(self.lastError) in \(sql)")
        }
        return Statement(statement, database: self)
    }

    var lastError: String { String(cString: sqlite3_errmsg(self.handle)) }

    /// Rows changed by the last statement.
    var changes: Int32 { sqlite3_changes(self.handle) }

    /// One prepared statement. Bind with 1-based indexes, step, read columns, reset.
    final class Statement {
        private let statement: OpaquePointer
        private unowned let database: SQLiteDatabase

        init(_ statement: OpaquePointer, database: SQLiteDatabase) {
            self.statement = statement
            self.database = database
        }

        deinit { sqlite3_finalize(self.statement) }

        func bind(_ index: Int32, _ value: String?) {
            guard let value else { sqlite3_bind_null(self.statement, index); return }
            sqlite3_bind_text(self.statement, index, value, -1, tw_sqlite_transient())
        }

        func bind(_ index: Int32, _ value: Int64?) {
            guard let value else { sqlite3_bind_null(self.statement, index); return }
            sqlite3_bind_int64(self.statement, index, value)
        }

        func bind(_ index: Int32, _ value: Data?) {
            guard let value else { sqlite3_bind_null(self.statement, index); return }
            value.withUnsafeBytes { buffer in
                _ = sqlite3_bind_blob(self.statement, index, buffer.baseAddress, Int32(buffer.count), tw_sqlite_transient())
            }
        }

        /// Steps once: true when a row is available, false when done.
        func step() throws(AuditStoreError) -> Bool {
            switch sqlite3_step(self.statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw AuditStoreError("SQLite: \(self.database.lastError)")
            }
        }

        func reset() {
            sqlite3_reset(self.statement)
            sqlite3_clear_bindings(self.statement)
        }

        func int64(_ column: Int32) -> Int64? {
            sqlite3_column_type(self.statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(self.statement, column)
        }

        func string(_ column: Int32) -> String? {
            guard let text = sqlite3_column_text(self.statement, column) else { return nil }
            return String(cString: text)
        }

        func data(_ column: Int32) -> Data {
            let count = Int(sqlite3_column_bytes(self.statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(self.statement, column) else { return Data() }
            return Data(bytes: bytes, count: count)
        }
    }
}
