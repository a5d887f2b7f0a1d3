import Crypto
public import Foundation

/// A Kafka record as the audit log keeps it.
public struct AuditRecord: Sendable, Hashable {
    /// Source topic.
    public var topic: String
    /// Source partition.
    public var partition: Int32
    /// Source offset (with topic and partition, the record's identity: stored once).
    public var offset: Int64
    /// Record key.
    public var key: String?
    /// Kafka record timestamp, in milliseconds since 1970 (the order of the trail).
    public var timestampMs: Int64?
    /// The stored bytes: the record value, except `auth.tokens` grants, stored as metadata only (no sealed blob).
    public var payload: Data
    /// `schema` of the message, when readable (`execution-report/v1`).
    public var schema: String?
    /// The command the record belongs to, when it names one (also inside journal entries).
    public var commandId: String?
    /// The client order id, when named.
    public var clientOrderId: String?
    /// The venue, when named.
    public var venue: String?

    /// Creates a record from a Kafka record's parts, extracting the query fields and reducing grants to metadata.
    public init(topic: String, partition: Int32, offset: Int64, key: Data?, timestamp: Date?, value: Data) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key.map { String(decoding: $0, as: UTF8.self) }
        self.timestampMs = timestamp.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        var object = (try? JSONSerialization.jsonObject(with: value)) as? [String: Any]
        if topic == "auth.tokens" {
            // Grants: metadata only. An unreadable grant keeps nothing of its bytes either.
            object?.removeValue(forKey: "sealed")
            let metadata = object ?? ["unreadable": true]
            self.payload = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data()
        } else {
            self.payload = value
        }
        self.schema = object?["schema"] as? String
        let nested = [object?["command"], object?["report"]].compactMap { $0 as? [String: Any] }
        self.commandId = (object?["commandId"] as? String ?? nested.compactMap { $0["commandId"] as? String }.first)?.lowercased()
        self.clientOrderId = object?["clientOrderId"] as? String ?? nested.compactMap { $0["clientOrderId"] as? String }.first
        self.venue = object?["venue"] as? String ?? (topic == "market.ticks" ? nil : self.key)
        if topic.hasPrefix("orders.control") { self.venue = object?["scope"] as? String ?? self.key }
    }

    /// Creates a record with every field given (stores read rows back with this).
    public init(
        topic: String, partition: Int32, offset: Int64, key: String?, timestampMs: Int64?, payload: Data,
        schema: String?, commandId: String?, clientOrderId: String?, venue: String?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.timestampMs = timestampMs
        self.payload = payload
        self.schema = schema
        self.commandId = commandId
        self.clientOrderId = clientOrderId
        self.venue = venue
    }

    /// The record's canonical bytes: length-prefixed topic, partition, offset, key, timestamp and payload, big endian.
    public var canonicalBytes: Data {
        var bytes = Data()
        bytes.reserveCapacity(self.payload.count + 64)
        func append(_ data: Data) {
            Self.append(UInt32(data.count), to: &bytes)
            bytes.append(data)
        }
        append(Data(self.topic.utf8))
        Self.append(UInt32(bitPattern: self.partition), to: &bytes)
        Self.append(UInt64(bitPattern: self.offset), to: &bytes)
        if let key = self.key { bytes.append(1); append(Data(key.utf8)) } else { bytes.append(0) }
        Self.append(UInt64(bitPattern: self.timestampMs ?? -1), to: &bytes)
        append(self.payload)
        return bytes
    }

    /// The chain link: SHA-256 of the previous row's hash and this record's canonical bytes.
    public func chainHash(previous: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: self.canonicalBytes)
        return Data(hasher.finalize())
    }

    /// The hash the first row chains onto.
    public static let genesis = Data(repeating: 0, count: 32)

    private static func append<I: FixedWidthInteger>(_ value: I, to bytes: inout Data) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// A stored row: the record, its place in the chain and its link hashes.
public struct AuditRow: Sendable, Hashable {
    /// Row number (chain order, from 1).
    public var id: Int64
    /// The record.
    public var record: AuditRecord
    /// The previous row's hash (zeros for the first row).
    public var previousHash: Data
    /// This row's hash.
    public var hash: Data
}

/// What ``AuditStore/verify()`` found.
public enum AuditVerification: Sendable, Hashable {
    /// Every row's hash matches its recomputation.
    case intact(rows: Int64)
    /// The first row whose stored link does not match the recomputed one.
    case broken(row: Int64, topic: String, partition: Int32, offset: Int64, reason: String)
}

/// A search of the audit log.
public struct AuditQuery: Sendable, Hashable {
    /// Only this venue.
    public var venue: String?
    /// Only this topic.
    public var topic: String?
    /// Kafka timestamps at or after this.
    public var from: Date?
    /// Kafka timestamps before this.
    public var to: Date?
    /// At most this many rows.
    public var limit: Int

    /// Creates a query.
    public init(venue: String? = nil, topic: String? = nil, from: Date? = nil, to: Date? = nil, limit: Int = 1000) {
        self.venue = venue
        self.topic = topic
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// An audit store failure. Never contains payload bytes.
public struct AuditStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var reason: String
    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "AuditStoreError: \(self.reason)" }
}

/// The append-only, hash-chained audit log.
public protocol AuditStore: Sendable {
    /// Stores the records not stored yet (by topic/partition/offset), chaining each onto the last row, in one
    /// durable transaction. Returns how many were new.
    func append(_ records: [AuditRecord]) async throws -> Int
    /// Rows in chain order (for checks and export).
    func rows(after id: Int64, limit: Int) async throws -> [AuditRow]
    /// The life of an order: every row naming the command (or client order id), plus the venue's auth traffic
    /// around it, in Kafka time order.
    func trail(commandId: String?, clientOrderId: String?) async throws -> [AuditRow]
    /// Rows matching `query`, in Kafka time order.
    func search(_ query: AuditQuery) async throws -> [AuditRow]
    /// Number of rows.
    func count() async throws -> Int64
}

extension AuditStore {
    /// Recomputes the chain from the first row and names the first row that does not match.
    public func verify() async throws -> AuditVerification {
        var previous = AuditRecord.genesis
        var after: Int64 = 0
        var checked: Int64 = 0
        while true {
            let batch = try await self.rows(after: after, limit: 5000)
            if batch.isEmpty { return .intact(rows: checked) }
            for row in batch {
                let record = row.record
                if row.previousHash != previous {
                    return .broken(row: row.id, topic: record.topic, partition: record.partition, offset: record.offset,
                                   reason: "its previous-hash does not match the row before it")
                }
                let expected = record.chainHash(previous: previous)
                if row.hash != expected {
                    return .broken(row: row.id, topic: record.topic, partition: record.partition, offset: record.offset,
                                   reason: "its contents do not match its hash")
                }
                previous = row.hash
                after = row.id
                checked += 1
            }
        }
    }
}
