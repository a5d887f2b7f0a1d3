import Foundation
public import Logging
import PostgresNIO

/// The production audit store: PostgreSQL through postgres-nio, the same table and chain as ``SQLiteAuditStore``.
/// Appends lock the table for the transaction, so the chain has one writer even if two loggers were started.
public final class PostgresAuditStore: AuditStore, Sendable {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    private let ready: Task<Void, any Error>

    /// Connects with `connectionString` (`postgres://user[:password]@host[:port]/database`; TLS is not used here) and
    /// creates the table when missing.
    public init(connectionString: String, logger: Logger) throws {
        guard let url = URL(string: connectionString), ["postgres", "postgresql"].contains(url.scheme ?? ""),
            let host = url.host, let user = url.user
        else {
            throw AuditStoreError("the PostgreSQL connection string must look like postgres://user@host:5432/database")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : nil
        let configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: user, password: url.password,
            database: database?.isEmpty == false ? database : nil, tls: .disable)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.runner = Task { await client.run() }
        self.ready = Task {
            try await client.query("""
                CREATE TABLE IF NOT EXISTS audit_records (
                    id BIGSERIAL PRIMARY KEY,
                    topic TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    "offset" BIGINT NOT NULL,
                    key TEXT,
                    timestamp_ms BIGINT,
                    payload BYTEA NOT NULL,
                    schema TEXT,
                    command_id TEXT,
                    client_order_id TEXT,
                    venue TEXT,
                    stored_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    prev_hash BYTEA NOT NULL,
                    hash BYTEA NOT NULL,
                    UNIQUE (topic, partition, "offset")
                )
                """, logger: logger)
            for index in [
                "CREATE INDEX IF NOT EXISTS audit_by_command ON audit_records (command_id)",
                "CREATE INDEX IF NOT EXISTS audit_by_client_order ON audit_records (client_order_id)",
                "CREATE INDEX IF NOT EXISTS audit_by_venue_time ON audit_records (venue, timestamp_ms)",
                "CREATE INDEX IF NOT EXISTS audit_by_time ON audit_records (timestamp_ms)",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: index), logger: logger)
            }
        }
    }

    deinit { self.runner.cancel() }

    /// Empties the table (tests only: the audit log is append-only in service).
    public func resetForTests() async throws {
        try await self.ready.value
        try await self.client.query("TRUNCATE audit_records RESTART IDENTITY", logger: self.logger)
    }

    /// Closes the connections.
    public func shutdown() { self.runner.cancel() }

    public func append(_ records: [AuditRecord]) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        try await self.ready.value
        return try await self.client.withTransaction(logger: self.logger) { connection in
            try await connection.query("LOCK TABLE audit_records IN EXCLUSIVE MODE", logger: self.logger)
            var previous = AuditRecord.genesis
            for try await hash in try await connection.query(
                "SELECT hash FROM audit_records ORDER BY id DESC LIMIT 1", logger: self.logger
            ).decode(Data.self) {
                previous = hash
            }
            var inserted = 0
            for record in records {
                let hash = record.chainHash(previous: previous)
                let rows = try await connection.query("""
                    INSERT INTO audit_records
                        (topic, partition, "offset", key, timestamp_ms, payload, schema, command_id, client_order_id, venue, prev_hash, hash)
                    VALUES (\(record.topic), \(record.partition), \(record.offset), \(record.key), \(record.timestampMs),
                            \(record.payload), \(record.schema), \(record.commandId), \(record.clientOrderId), \(record.venue),
                            \(previous), \(hash))
                    ON CONFLICT (topic, partition, "offset") DO NOTHING
                    RETURNING id
                    """, logger: self.logger)
                var stored = false
                for try await _ in rows.decode(Int64.self) { stored = true }
                if stored {
                    previous = hash
                    inserted += 1
                }
            }
            return inserted
        }
    }

    private static let columns = #"id, topic, partition, "offset", key, timestamp_ms, payload, schema, command_id, client_order_id, venue, prev_hash, hash"#

    private func select(_ query: PostgresQuery) async throws -> [AuditRow] {
        try await self.ready.value
        var rows: [AuditRow] = []
        let sequence = try await self.client.query(query, logger: self.logger)
        for try await row in sequence {
            let columns = try row.decode(
                (Int64, String, Int32, Int64, String?, Int64?, Data, String?, String?, String?, String?, Data, Data).self,
                context: .default)
            let record = AuditRecord(
                topic: columns.1, partition: columns.2, offset: columns.3, key: columns.4, timestampMs: columns.5,
                payload: columns.6, schema: columns.7, commandId: columns.8, clientOrderId: columns.9, venue: columns.10)
            rows.append(AuditRow(id: columns.0, record: record, previousHash: columns.11, hash: columns.12))
        }
        return rows
    }

    public func rows(after id: Int64, limit: Int) async throws -> [AuditRow] {
        try await self.select("SELECT \(unescaped: Self.columns) FROM audit_records WHERE id > \(id) ORDER BY id LIMIT \(limit)")
    }

    public func count() async throws -> Int64 {
        try await self.ready.value
        for try await count in try await self.client.query("SELECT count(*) FROM audit_records", logger: self.logger).decode(Int64.self) {
            return count
        }
        return 0
    }

    public func trail(commandId: String?, clientOrderId: String?) async throws -> [AuditRow] {
        var commands = Set([commandId?.lowercased()].compactMap { $0 })
        var clients = Set([clientOrderId].compactMap { $0 })
        var rows: [Int64: AuditRow] = [:]
        for _ in 0..<2 {
            let commandList = commands.sorted()
            let clientList = clients.sorted()
            for row in try await self.select("""
                SELECT \(unescaped: Self.columns) FROM audit_records
                WHERE command_id = ANY(\(commandList)) OR client_order_id = ANY(\(clientList))
                """)
            {
                rows[row.id] = row
                if let id = row.record.commandId { commands.insert(id) }
                if let id = row.record.clientOrderId { clients.insert(id) }
            }
        }
        let venues = Set(rows.values.compactMap(\.record.venue)).sorted()
        let times = rows.values.compactMap(\.record.timestampMs)
        if let first = times.min(), let last = times.max(), !venues.isEmpty {
            for row in try await self.select("""
                SELECT \(unescaped: Self.columns) FROM audit_records
                WHERE topic IN ('auth.events', 'auth.refresh-requests', 'auth.tokens')
                  AND venue = ANY(\(venues)) AND timestamp_ms BETWEEN \(first - 2000) AND \(last + 2000)
                """)
            {
                rows[row.id] = row
            }
        }
        return rows.values.sorted { ($0.record.timestampMs ?? 0, $0.id) < ($1.record.timestampMs ?? 0, $1.id) }
    }

    public func search(_ query: AuditQuery) async throws -> [AuditRow] {
        let from = query.from.map { Int64($0.timeIntervalSince1970 * 1000) }
        let to = query.to.map { Int64($0.timeIntervalSince1970 * 1000) }
        return try await self.select("""
            SELECT \(unescaped: Self.columns) FROM audit_records
            WHERE (\(query.venue)::text IS NULL OR venue = \(query.venue)) AND (\(query.topic)::text IS NULL OR topic = \(query.topic))
              AND (\(from)::bigint IS NULL OR timestamp_ms >= \(from)) AND (\(to)::bigint IS NULL OR timestamp_ms < \(to))
            ORDER BY timestamp_ms, id LIMIT \(query.limit)
            """)
    }
}
