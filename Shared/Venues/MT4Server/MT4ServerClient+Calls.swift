import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Logging
import Messages
import VenueKit

extension MT4ServerClient {
    enum CallResult {
        case response(VenueHTTPResponse)
        /// The call failed before a status was known; carries the classified order outcome.
        case failure(VenueOrderOutcome)
    }

    /// One authorised request. Re-logs in once on 403; retries a request that provably never left up to
    /// `connectRetries` times; retries a read (`isIdempotent`) after any transport failure as well.
    func call(_ method: HTTPMethod, _ path: String, body: String?, isIdempotent: Bool) async -> CallResult {
        var token: VenueToken
        do {
            token = try await self.tokens.currentToken()
        } catch {
            return .failure(.rejected(.venue(error.code == .unauthorized ? "unauthorized" : "login_failed", error.reason)))
        }
        var refreshed = false
        var retries = 0
        var backoff = ExponentialBackoff(initial: .milliseconds(50), maximum: .seconds(1))
        while true {
            do {
                try await self.limiter.acquire()
            } catch {
                return .failure(.rejected(.venue("cancelled", "cancelled before sending")))
            }
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
            do {
                let response = try await self.http.execute(request, timeout: self.configuration.requestTimeout)
                if response.status == 403, !refreshed {
                    refreshed = true
                    self.logger.debug("Token refused; logging in again")
                    do {
                        token = try await self.tokens.tokenRejected(token)
                    } catch {
                        return .failure(.rejected(.venue("unauthorized", error.reason)))
                    }
                    continue
                }
                return .response(response)
            } catch {
                let canRetry: Bool = if case .notSent = error { true } else { isIdempotent }
                if canRetry, retries < self.configuration.connectRetries {
                    retries += 1
                    try? await Task.sleep(for: backoff.next())
                    continue
                }
                if case .notSent(let reason) = error {
                    return .failure(.rejected(.venue("venue_unreachable", "not sent: \(reason)")))
                }
                return .failure(.unknown(.venue("no_answer", "sent, outcome unknown: \(error.reason)")))
            }
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
