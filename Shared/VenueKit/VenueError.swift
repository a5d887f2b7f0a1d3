/// The one error type of the venue layer.
///
/// ``description`` is safe to log: it never contains API keys, tokens, signatures or order payloads.
public struct VenueError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an opaque code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case unauthorized, unreachable, timeout, venueFailure, invalidResponse, rejected, rateLimited
            case unsupported, invalidRequest, streamSilent, cancelled
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The venue refused the credentials (even after one refresh).
        public static let unauthorized = Code(.unauthorized)
        /// The venue could not be reached; the request was not sent.
        public static let unreachable = Code(.unreachable)
        /// No answer within the deadline; the request may have reached the venue.
        public static let timeout = Code(.timeout)
        /// The venue answered with a server error (5xx).
        public static let venueFailure = Code(.venueFailure)
        /// The venue's answer could not be understood.
        public static let invalidResponse = Code(.invalidResponse)
        /// The venue definitively refused the request.
        public static let rejected = Code(.rejected)
        /// The venue's or our own rate limit was hit.
        public static let rateLimited = Code(.rateLimited)
        /// The venue does not offer this operation.
        public static let unsupported = Code(.unsupported)
        /// The request was invalid before anything was sent (unknown or quote-only symbol, bad quantity, …).
        public static let invalidRequest = Code(.invalidRequest)
        /// A stream delivered no frame within its deadline.
        public static let streamSilent = Code(.streamSilent)
        /// The operation was cancelled.
        public static let cancelled = Code(.cancelled)

        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The venue id.
    public var venue: String
    /// A reason safe to log.
    public var reason: String
    /// The underlying error, if any (not part of ``description``).
    public var underlying: (any Error)?
    /// Where it was raised (`file:line`).
    public var location: String

    /// Creates a venue error.
    public init(
        _ code: Code, venue: String, reason: String, underlying: (any Error)? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.venue = venue
        self.reason = reason
        self.underlying = underlying
        self.location = "\(file):\(line)"
    }

    public var description: String { "VenueError.\(self.code) venue=\(self.venue): \(self.reason)" }
}
