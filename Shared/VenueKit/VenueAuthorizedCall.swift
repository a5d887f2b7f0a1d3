public import AsyncHTTPClient
public import Logging

/// The result of one authorised venue request.
public enum VenueCallResult: Sendable {
    /// The venue answered (after at most one token refresh).
    case response(VenueHTTPResponse)
    /// No answer; carries the classified order outcome (rejected when provably not sent, unknown otherwise).
    case failure(VenueOrderOutcome)
}

/// The request loop the REST protocol modules share: take the session token, respect the rate limit, send with a
/// deadline, fetch a new token once when the venue refuses the old one, and retry only what is safe to retry.
public struct VenueAuthorizedCall: Sendable {
    /// Where tokens come from.
    public var tokens: any VenueTokenSource
    /// The venue's outbound rate limit.
    public var limiter: VenueRateLimiter
    /// Deadline of one exchange.
    public var timeout: Duration
    /// How often a request is repeated after a failure that allows it.
    public var retries: Int
    /// The HTTP status with which the venue refuses a token (MT4Server 403, CPlugin 401).
    public var tokenRefusedStatus: Int
    /// The transport.
    public var http: VenueHTTP
    /// Logger.
    public var logger: Logger

    /// Creates the loop.
    public init(
        tokens: any VenueTokenSource, limiter: VenueRateLimiter, timeout: Duration, retries: Int, tokenRefusedStatus: Int,
        http: VenueHTTP, logger: Logger
    ) {
        self.tokens = tokens
        self.limiter = limiter
        self.timeout = timeout
        self.retries = retries
        self.tokenRefusedStatus = tokenRefusedStatus
        self.http = http
        self.logger = logger
    }

    /// Sends the request `make` builds for a token.
    ///
    /// - Parameters:
    ///   - repeatable: the request may be sent again even when it may have reached the venue (reads, and writes
    ///     the venue de-duplicates by an idempotency key). Requests that provably never left are always retried.
    ///   - retryStatuses: answers that mean "not handled, try again" for a repeatable request (e.g. 429, 503).
    public func send(
        repeatable: Bool, retryStatuses: Set<Int> = [], make: (VenueToken) async throws -> HTTPClientRequest
    ) async -> VenueCallResult {
        var token: VenueToken
        do {
            token = try await self.tokens.currentToken()
        } catch {
            return .failure(.rejected(.venue(error.code == .unauthorized ? "unauthorized" : "login_failed", error.reason)))
        }
        var refreshed = false
        var attempts = 0
        var backoff = ExponentialBackoff(initial: .milliseconds(50), maximum: .seconds(1))
        while true {
            do {
                try await self.limiter.acquire()
            } catch {
                return .failure(.rejected(.venue("cancelled", "cancelled before sending")))
            }
            let request: HTTPClientRequest
            do {
                request = try await make(token)
            } catch {
                return .failure(.rejected(.venue("not_sent", "the request could not be prepared: \(type(of: error))")))
            }
            do {
                let response = try await self.http.execute(request, timeout: self.timeout)
                if response.status == self.tokenRefusedStatus, !refreshed {
                    refreshed = true
                    self.logger.debug("Token refused; fetching a new one")
                    do {
                        token = try await self.tokens.tokenRejected(token)
                    } catch {
                        return .failure(.rejected(.venue("unauthorized", error.reason)))
                    }
                    continue
                }
                if repeatable, retryStatuses.contains(response.status), attempts < self.retries {
                    attempts += 1
                    try? await Task.sleep(for: backoff.next())
                    continue
                }
                return .response(response)
            } catch {
                let canRetry: Bool = if case .notSent = error { true } else { repeatable }
                if canRetry, attempts < self.retries, !Task.isCancelled {
                    attempts += 1
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
}
