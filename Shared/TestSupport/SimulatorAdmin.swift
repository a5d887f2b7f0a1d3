import AsyncHTTPClient
public import Foundation
import NIOCore
public import NIOHTTP1

/// The venue simulator's admin API for one venue (`/<venue>/…`), as tests use it.
///
/// - Important: for tests and benchmarks only.
public struct SimulatorAdmin: Sendable {
    /// `http://host:port` of the admin API.
    public let base: URL
    /// The venue's protocol id (`mt4server`, `cplugin`, `magnr`).
    public let venue: String

    /// Creates a client for `venue` at `base`.
    public init(base: URL, venue: String) {
        self.base = base
        self.venue = venue
    }

    /// `POST /<venue>/faults` with a JSON object (settings and one-shot actions); requires 200.
    public func setFaults(_ json: String) async throws {
        let (status, body) = try await self.call(.POST, "faults", body: json)
        guard status == 200 else { throw AdminError(reason: "POST /\(self.venue)/faults: HTTP \(status) \(String(decoding: body, as: UTF8.self))") }
    }

    /// `GET /<venue>/<what>` as a JSON array of objects (`orders`, `requests`).
    public func list(_ what: String) async throws -> [[String: Any]] {
        let (_, body) = try await self.call(.GET, what, body: nil)
        guard let list = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] else {
            throw AdminError(reason: "GET /\(self.venue)/\(what) is not a JSON array of objects")
        }
        return list
    }

    /// `GET /<venue>/status`.
    public func status() async throws -> [String: Int] {
        let (_, body) = try await self.call(.GET, "status", body: nil)
        guard let status = try JSONSerialization.jsonObject(with: body) as? [String: Int] else {
            throw AdminError(reason: "GET /\(self.venue)/status is not an object of counters")
        }
        return status
    }

    /// Requests the venue received for paths containing `fragment` (and with `method`, if given).
    public func requests(matching fragment: String, method: String? = nil) async throws -> [[String: Any]] {
        try await self.list("requests").filter { entry in
            (entry["path"] as? String)?.contains(fragment) == true && (method == nil || entry["method"] as? String == method)
        }
    }

    /// One admin call: status and body.
    public func call(_ method: HTTPMethod, _ path: String, body: String?) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: self.base.appendingPathComponent(self.venue).appendingPathComponent(path).absoluteString)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), Data(data.readableBytesView))
    }

    /// An admin call that did not answer as expected.
    public struct AdminError: Error, CustomStringConvertible {
        /// What went wrong.
        public var reason: String
        public var description: String { self.reason }
    }
}
