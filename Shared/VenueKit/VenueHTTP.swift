public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A venue's HTTP answer: status and the whole body as text (venues send JSON as text/plain; parse by content).
public struct VenueHTTPResponse: Sendable {
    /// HTTP status code.
    public var status: Int
    /// The body as UTF-8 text.
    public var body: String
}

/// Why an HTTP exchange failed, split by the only question that matters for orders: could it have reached the venue?
public enum VenueTransportFailure: Error, Sendable {
    /// The request provably never left (connection refused, name not resolved, connect timeout): safe to retry.
    case notSent(String)
    /// The request may have been received and acted on (timeout after sending, connection lost mid-exchange).
    case maybeSent(String)

    /// A description safe to log.
    public var reason: String {
        switch self {
        case .notSent(let reason), .maybeSent(let reason): reason
        }
    }
}

/// Sends one request with a deadline and classifies failures (see ``VenueTransportFailure``).
public struct VenueHTTP: Sendable {
    private let client: HTTPClient
    /// Largest body accepted.
    public var maxBodyBytes = 4 << 20

    /// Uses the given client (default: ``venueClient``).
    public init(client: HTTPClient = VenueHTTP.venueClient) {
        self.client = client
    }

    /// The process-wide client for venues: no redirects (an order must not be re-sent elsewhere), a 3 s connect
    /// timeout, and no silent connection retries inside the client — a refused connection fails at once, and the
    /// caller's own retry policy (which knows whether the request may be repeated) decides what happens next.
    public static let venueClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(3))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Executes `request` within `timeout`.
    public func execute(_ request: HTTPClientRequest, timeout: Duration) async throws(VenueTransportFailure)
        -> VenueHTTPResponse
    {
        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
        } catch {
            throw Self.classify(error)
        }
        do {
            let body = try await response.body.collect(upTo: self.maxBodyBytes)
            return VenueHTTPResponse(status: Int(response.status.code), body: String(buffer: body))
        } catch {
            // The venue answered (status known) but the body was cut: the request certainly arrived.
            throw .maybeSent("response body lost: \(type(of: error))")
        }
    }

    /// Connection-establishment failures are `notSent`; everything else may have reached the venue.
    static func classify(_ error: any Error) -> VenueTransportFailure {
        if let error = error as? HTTPClientError {
            if error == .connectTimeout { return .notSent("connect timeout") }
            if [.invalidURL, .emptyHost, .emptyScheme].contains(error) { return .notSent("invalid URL") }
            if [.readTimeout, .deadlineExceeded].contains(error) { return .maybeSent("no answer before the deadline") }
            if error == .remoteConnectionClosed { return .maybeSent("connection closed by the venue") }
            return .maybeSent("HTTP error \(error.shortDescription)")
        }
        if error is NIOConnectionError { return .notSent("could not connect") }
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) {
            return .notSent("connection refused")
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .notSent("connect timeout") }
        if error is CancellationError { return .maybeSent("cancelled") }
        return .maybeSent("transport error \(type(of: error))")
    }
}
