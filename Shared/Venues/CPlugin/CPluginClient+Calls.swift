import AsyncHTTPClient
import Foundation
import Logging
import Messages
import NIOCore
import NIOHTTP1
import VenueKit

/// The REST side of one CPlugin session: the request loop, the envelope, and the calls both the client and the hub's
/// quote fallback make.
struct CPluginREST: Sendable {
    let venueID: String
    let configuration: CPluginConfiguration
    let tokens: any VenueTokenSource
    let http: VenueHTTP
    let limiter: VenueRateLimiter
    let logger: Logger

    /// The last quote of `symbol` (`TickInfoLast/{symbol}`).
    func lastQuote(_ symbol: String) async throws(VenueError) -> VenueQuote {
        let tick: CPluginTick = try await self.read("TickInfoLast/\(CPluginClient.pathEscaped(symbol))")
        guard let quote = tick.quote(receivedAt: Date()) else {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "TickInfoLast without prices")
        }
        return quote
    }

    /// Answers that mean the request was not handled and may be repeated (the vendor SDK retries these for idempotent
    /// calls: cpl-js `src/retry.ts`).
    static let retryStatuses: Set<Int> = [408, 429, 502, 503, 504]

    enum TransactionResult {
        case success(CPluginTradeTransaction)
        case failure(VenueOrderOutcome)
    }

    /// `POST TradeTransaction`. With an idempotency key the request is repeatable: a lost answer, a timeout or a
    /// retryable status is retried with the same key, and the API answers the repeat from its cache.
    func transact(_ transaction: CPluginTradeTransaction, idempotencyKey: String?) async -> TransactionResult {
        let body = transaction.json
        let result = await self.loop.send(repeatable: idempotencyKey != nil, retryStatuses: Self.retryStatuses) { token in
            var request = self.request(.POST, "TradeTransaction", token: token)
            request.headers.add(name: "Content-Type", value: "application/json")
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            request.body = .bytes(ByteBuffer(string: body))
            return request
        }
        let response: VenueHTTPResponse
        switch result {
        case .failure(let outcome): return .failure(outcome)
        case .response(let answer): response = answer
        }
        guard response.status == 200 else { return .failure(Self.classify(status: response.status)) }
        guard let envelope = try? JSONDecoder().decode(CPluginEnvelope<CPluginTradeTransaction>.self, from: Data(response.body.utf8))
        else {
            return .failure(.unknown(.venue("unreadable_reply", "the venue's answer is not a v2 envelope")))
        }
        if let error = envelope.error {
            self.logger.info(
                "Trade transaction refused",
                metadata: ["venue.code": "\(error.code)/\(error.managerCode ?? "-")", "venue.activity": "\(envelope.meta?.activityId ?? "-")"])
            return .failure(CPluginErrorMapping.outcome(error))
        }
        guard let data = envelope.data else {
            return .failure(.unknown(.venue("unreadable_reply", "the envelope has neither data nor error")))
        }
        return .success(data)
    }

    /// A GET whose envelope must carry `data`. `NotFound`/`Validation` errors are `rejected`, other envelope errors
    /// `venueFailure`; a 401 after one token refresh is `unauthorized`.
    func read<T: Decodable & Sendable>(_ path: String) async throws(VenueError) -> T {
        let result = await self.loop.send(repeatable: true, retryStatuses: Self.retryStatuses) { token in
            self.request(.GET, path, token: token)
        }
        let name = String(path.prefix { $0 != "/" && $0 != "?" })
        let response: VenueHTTPResponse
        switch result {
        case .failure(let outcome):
            let reason: String = switch outcome {
            case .rejected(let reason), .unknown(let reason): reason.message
            case .accepted: "unexpected"
            }
            throw VenueError(.unreachable, venue: self.venueID, reason: "\(name): \(reason)")
        case .response(let answer):
            response = answer
        }
        guard response.status == 200 else {
            let code: VenueError.Code = response.status == 401 ? .unauthorized : .venueFailure
            throw VenueError(code, venue: self.venueID, reason: "\(name): HTTP \(response.status)")
        }
        let envelope: CPluginEnvelope<T>
        do {
            envelope = try JSONDecoder().decode(CPluginEnvelope<T>.self, from: Data(response.body.utf8))
        } catch {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "\(name): not a v2 envelope of the expected shape")
        }
        if let error = envelope.error {
            let code: VenueError.Code = ["NotFound", "Validation", "Forbidden"].contains(error.code) ? .rejected : .venueFailure
            throw VenueError(
                code, venue: self.venueID,
                reason: "\(name): \(error.code)\(error.managerCode.map { "/\($0)" } ?? ""): \(error.message ?? "")")
        }
        guard let data = envelope.data else {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "\(name): the envelope has no data")
        }
        return data
    }

    /// The request loop (token, rate limit, deadline, one refresh on 401).
    var loop: VenueAuthorizedCall {
        VenueAuthorizedCall(
            tokens: self.tokens, limiter: self.limiter, timeout: self.configuration.requestTimeout,
            retries: self.configuration.retries, tokenRefusedStatus: 401, http: self.http, logger: self.logger)
    }

    func request(_ method: HTTPMethod, _ path: String, token: VenueToken) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: self.configuration.restURL(path))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token.value.value)")
        request.headers.add(name: "Accept", value: "application/json")
        return request
    }

    /// Non-200 answers: infrastructure failures (protocols.md §2.4), after retries where they were allowed.
    static func classify(status: Int) -> VenueOrderOutcome {
        switch status {
        case 401, 403: .rejected(.venue("unauthorized", "the venue refused the credentials", venueCode: String(status)))
        case 429: .rejected(.venue("rate_limited", "the venue's rate limit refused the request", venueCode: "429"))
        case 400...499: .rejected(.venue("request_refused", "the venue refused the request", venueCode: String(status)))
        default: .unknown(.venue("venue_error", "the venue failed while handling the transaction", venueCode: String(status)))
        }
    }
}
