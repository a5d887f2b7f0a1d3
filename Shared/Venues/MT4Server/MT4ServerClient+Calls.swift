import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Logging
import Messages
import VenueKit

extension MT4ServerClient {
    typealias CallResult = VenueCallResult

    /// One authorised request. Re-logs in once on 403; retries a request that provably never left up to
    /// `connectRetries` times; retries a read (`isIdempotent`) after any transport failure as well.
    func call(_ method: HTTPMethod, _ path: String, body: String?, isIdempotent: Bool) async -> CallResult {
        let loop = VenueAuthorizedCall(
            tokens: self.tokens, limiter: self.limiter, timeout: self.configuration.requestTimeout,
            retries: self.configuration.connectRetries, tokenRefusedStatus: 403, http: self.http, logger: self.logger)
        return await loop.send(repeatable: isIdempotent) { token in
            var request = HTTPClientRequest(url: self.configuration.endpoint.appendingPathComponent(path).absoluteString)
            if let query = path.split(separator: "?", maxSplits: 1).dropFirst().first {
                request.url = self.configuration.endpoint.appendingPathComponent(String(path.prefix { $0 != "?" }))
                    .absoluteString + "?" + query
            }
            request.method = method
            request.headers.add(name: "Authorization", value: token.value.value)
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            return request
        }
    }

    /// A read that must succeed with 200.
    func readResponse(_ path: String) async throws(VenueError) -> VenueHTTPResponse {
        switch await self.call(.GET, path, body: nil, isIdempotent: true) {
        case .response(let response) where response.status == 200:
            return response
        case .response(let response):
            let code: VenueError.Code = response.status == 403 ? .unauthorized : .venueFailure
            throw VenueError(code, venue: self.venueID, reason: "GET \(path.prefix { $0 != "?" }): HTTP \(response.status)")
        case .failure(let outcome):
            let reason: String = switch outcome {
            case .rejected(let reason), .unknown(let reason): reason.message
            case .accepted: "unexpected"
            }
            throw VenueError(.unreachable, venue: self.venueID, reason: reason)
        }
    }

    /// A read whose body is JSON (sent as text/plain by the venue).
    func read<T: Decodable>(_ path: String) async throws(VenueError) -> T {
        let response = try await self.readResponse(path)
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body.utf8))
        } catch {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "unreadable JSON from \(path.prefix { $0 != "?" })")
        }
    }
}
