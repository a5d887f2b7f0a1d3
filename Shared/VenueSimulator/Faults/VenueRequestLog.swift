public import Foundation
import Synchronization

/// One request received by a simulated venue (`GET /<venue>/requests`).
///
/// JSON: `{"method":"POST","path":"/exchanges/ava/orders","query":null,"status":200,"at":"2026-01-02T03:04:05.678Z"}`.
/// `status` is 0 while no response has been sent, and stays 0 when none ever is (dropped or withheld).
/// A WebSocket upgrade that succeeded is logged with status 101.
public struct VenueRequestLogEntry: Sendable, Hashable, Encodable {
    /// HTTP method.
    public var method: String
    /// Request path without the query.
    public var path: String
    /// Raw query string without `?`, or `nil`.
    public var query: String?
    /// Response status, or 0 when no response was sent.
    public var status: Int
    /// When the request arrived.
    public var at: Date

    private enum CodingKeys: String, CodingKey { case method, path, query, status, at }

    /// Encodes `at` as ISO 8601 with milliseconds and `query` as `null` when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.method, forKey: .method)
        try container.encode(self.path, forKey: .path)
        if let query = self.query {
            try container.encode(query, forKey: .query)
        } else {
            try container.encodeNil(forKey: .query)
        }
        try container.encode(self.status, forKey: .status)
        try container.encode(self.at.simulatorTimestamp, forKey: .at)
    }
}

/// The request log of one venue: every request in arrival order, the newest ``capacity`` kept.
public final class VenueRequestLog: Sendable {
    /// Handle of a logged request, used to record its response status.
    public struct Ticket: Sendable, Hashable {
        fileprivate let id: Int
    }

    private struct State {
        var firstID = 0
        var entries: [VenueRequestLogEntry] = []
    }

    /// Maximum number of entries kept; older ones are discarded.
    public let capacity: Int
    private let state = Mutex(State())

    /// Creates an empty log.
    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// Records a request as it arrives, with status 0.
    public func begin(method: String, path: String, query: String?, at: Date = Date()) -> Ticket {
        self.state.withLock { state in
            state.entries.append(VenueRequestLogEntry(method: method, path: path, query: query, status: 0, at: at))
            let overflow = state.entries.count - self.capacity
            if overflow > self.capacity / 10 {
                state.entries.removeFirst(overflow)
                state.firstID += overflow
            }
            return Ticket(id: state.firstID + state.entries.count - 1)
        }
    }

    /// Records the status of the response sent for `ticket`.
    public func complete(_ ticket: Ticket, status: Int) {
        self.state.withLock { state in
            let index = ticket.id - state.firstID
            guard state.entries.indices.contains(index) else { return }
            state.entries[index].status = status
        }
    }

    /// All kept entries, oldest first.
    public var entries: [VenueRequestLogEntry] {
        self.state.withLock { state in Array(state.entries.suffix(self.capacity)) }
    }

    /// Forgets every entry. Tickets handed out before keep working but update nothing.
    public func clear() {
        self.state.withLock { state in
            state.firstID += state.entries.count + 1
            state.entries.removeAll()
        }
    }
}
