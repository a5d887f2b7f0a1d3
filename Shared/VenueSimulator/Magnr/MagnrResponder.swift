import Foundation
import Hummingbird
import Logging
import NIOCore

/// The parts of a request the venue looks at.
struct MagnrRequest: Sendable {
    var method: String
    var path: String
    /// The `Authorization` header (several are joined with `, `, which makes them malformed).
    var authorization: String?
    /// The `Tonce` header exactly as sent (HTTP strips surrounding spaces).
    var tonce: String?
    /// The connection; a withheld response ends early when it closes.
    var channel: any Channel
}

/// What the venue does with one request.
enum MagnrOutcome: Sendable {
    /// Answer.
    case respond(MagnrResponse)
    /// Close the connection without any response.
    case drop
}

/// Hummingbird responder of the Magnr venue: logs the request, applies faults, routes it.
struct MagnrResponder: HTTPResponder {
    typealias Context = VenueRequestContext

    let venue: MagnrSimulator

    func respond(to request: Request, context: Context) async throws -> Response {
        let parsed = MagnrRequest(
            method: request.method.rawValue, path: request.uri.path, authorization: request.headers[.authorization],
            tonce: Self.tonce(in: request.headers), channel: context.channel)
        let ticket = self.venue.requestLog.begin(method: parsed.method, path: parsed.path, query: request.uri.query)
        let outcome = await self.venue.process(parsed) {
            let buffer = try await request.body.collect(upTo: MagnrSimulator.maxBodySize)
            return Array(buffer.readableBytesView)
        }
        switch outcome {
        case .respond(let response):
            self.venue.requestLog.complete(ticket, status: response.status)
            return Response(
                status: .init(code: response.status), headers: response.headers,
                body: .init(byteBuffer: ByteBuffer(string: response.body)))
        case .drop:
            // Close first: the response returned below can then never be written.
            try? await context.channel.close()
            return Response(status: .internalServerError)
        }
    }

    /// The `Tonce` header (names compare case-insensitively; several are joined with `, `, which is not an integer).
    static func tonce(in headers: HTTPFields) -> String? {
        let values = headers.filter { $0.name.canonicalName == "tonce" }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }
}

/// The documented endpoints (S002), matched exactly: `/api/v1/trades/` and `/api/v1/trades/{id}/`, each with its
/// trailing slash.
enum MagnrEndpoint: Sendable, Equatable {
    /// `/api/v1/trades/`: GET lists, POST creates.
    case trades
    /// `/api/v1/trades/{id}/` with the raw id segment: GET reads, DELETE liquidates.
    case trade(String)

    /// Matches `path` case-sensitively; `nil` for anything else (no slash variants, no extra segments).
    init?(path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 5, segments[0] == "", segments[1] == "api", segments[2] == "v1",
            segments[3] == "trades", segments.last == ""
        else { return nil }
        switch segments.count {
        case 5: self = .trades
        case 6 where !segments[4].isEmpty: self = .trade(String(segments[4]))
        default: return nil
        }
    }

    /// The methods the endpoint answers.
    var methods: [String] {
        switch self {
        case .trades: ["GET", "POST"]
        case .trade: ["GET", "DELETE"]
        }
    }
}

extension MagnrSimulator {
    /// Applies the fault settings, then routes the request. `body` reads the request body.
    ///
    /// As on the other faces, faults are drawn first, for every request (before routing and authentication): the
    /// latency, then a drop (the connection closes without a response, nothing is processed) or an injected error
    /// (nothing is processed; 500 `Internal server error`, 504 `The exchange could not complete the request`, 502
    /// and 503 in the same `{"errors":[…]}` shape).
    func process(_ request: MagnrRequest, body: () async throws -> [UInt8]) async -> MagnrOutcome {
        await self.faults.handle(drop: .drop, error: { .respond(.injected($0)) }) {
            await self.route(request, body: body)
        }
    }

    /// Routing, then authentication, then the endpoint.
    ///
    /// An unknown path (404 `Not found`) or a known path with another method (405 `Method not allowed`, with
    /// `Allow`) is answered before authentication: nothing is touched, so no credentials are needed and no tonce is
    /// used up. Every other request is authenticated (``authenticate(_:body:)``) over the exact body bytes received
    /// (empty for a GET or DELETE without body); a body above 64 KiB is 413. The `Content-Type` header is not checked:
    /// S002's PHP samples send none on GET, and a POST body is read as JSON whatever it says.
    private func route(_ request: MagnrRequest, body: () async throws -> [UInt8]) async -> MagnrOutcome {
        guard let endpoint = MagnrEndpoint(path: request.path) else { return .respond(.notFound) }
        guard endpoint.methods.contains(request.method) else {
            return .respond(.methodNotAllowed(endpoint.methods))
        }
        guard let bytes = try? await body() else { return .respond(.bodyTooLarge) }
        let publicKey: String
        switch self.authenticate(request, body: bytes) {
        case .success(let key): publicKey = key
        case .failure(let refusal): return .respond(refusal.response)
        }
        switch (endpoint, request.method) {
        case (.trades, "POST"): return await self.createTrade(bytes, publicKey: publicKey, channel: request.channel)
        case (.trades, _): return .respond(self.listTrades(publicKey: publicKey))
        case (.trade(let id), "DELETE"):
            return await self.liquidate(id, publicKey: publicKey, channel: request.channel)
        case (.trade(let id), _): return .respond(self.readTrade(id, publicKey: publicKey))
        }
    }
}
