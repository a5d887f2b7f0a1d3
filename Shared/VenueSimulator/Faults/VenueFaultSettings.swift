/// The fault-injection settings of one simulated venue (`GET /<venue>/faults` on the admin API).
///
/// JSON (all keys always present; `tokenTTL` may be `null`):
/// `{"latencyMs":0,"errorRate":0,"errorStatus":500,"dropRate":0,"hangOrders":false,"tokenTTL":null}`
public struct VenueFaultSettings: Sendable, Hashable, Codable {
    /// Milliseconds added before answering each request (0...600000).
    public var latencyMs: Int = 0
    /// Share of requests (0...1) answered with ``errorStatus`` and akka's default body, without being processed.
    public var errorRate: Double = 0
    /// Status used for injected errors: 500 (default, what MT4Server answers when its bridge fails), 502, 503 or 504.
    public var errorStatus: Int = 500
    /// Share of requests (0...1) whose connection is closed without any response, without being processed.
    public var dropRate: Double = 0
    /// When `true`, an accepted order is recorded but its response is withheld until the connection is closed.
    public var hangOrders: Bool = false
    /// Lifetime in seconds of newly issued tokens (`exp` claim); `nil` issues tokens without expiry.
    public var tokenTTL: Int? = nil

    /// Creates settings with no faults.
    public init() {}

    /// The statuses accepted for ``errorStatus``.
    public static let allowedErrorStatuses: Set<Int> = [500, 502, 503, 504]

    /// Checks every field's range.
    public func validate() throws(VenueSimulatorError) {
        func fail(_ reason: String) -> VenueSimulatorError {
            VenueSimulatorError(.invalidFaultSettings, reason: reason)
        }
        guard (0...600_000).contains(self.latencyMs) else { throw fail("latencyMs must be in 0...600000") }
        guard self.errorRate.isFinite, (0...1).contains(self.errorRate) else {
            throw fail("errorRate must be in 0...1")
        }
        guard self.dropRate.isFinite, (0...1).contains(self.dropRate) else { throw fail("dropRate must be in 0...1") }
        guard Self.allowedErrorStatuses.contains(self.errorStatus) else {
            throw fail("errorStatus must be one of 500, 502, 503, 504")
        }
        if let ttl = self.tokenTTL, !(1...315_360_000).contains(ttl) {
            throw fail("tokenTTL must be null or in 1...315360000 seconds")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case latencyMs, errorRate, errorStatus, dropRate, hangOrders, tokenTTL
    }

    /// Encodes every key, with an explicit `null` for a missing ``tokenTTL``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.latencyMs, forKey: .latencyMs)
        try container.encode(self.errorRate, forKey: .errorRate)
        try container.encode(self.errorStatus, forKey: .errorStatus)
        try container.encode(self.dropRate, forKey: .dropRate)
        try container.encode(self.hangOrders, forKey: .hangOrders)
        if let ttl = self.tokenTTL {
            try container.encode(ttl, forKey: .tokenTTL)
        } else {
            try container.encodeNil(forKey: .tokenTTL)
        }
    }

    /// Decodes a complete settings object; missing keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.latencyMs = try container.decodeIfPresent(Int.self, forKey: .latencyMs) ?? 0
        self.errorRate = try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0
        self.errorStatus = try container.decodeIfPresent(Int.self, forKey: .errorStatus) ?? 500
        self.dropRate = try container.decodeIfPresent(Double.self, forKey: .dropRate) ?? 0
        self.hangOrders = try container.decodeIfPresent(Bool.self, forKey: .hangOrders) ?? false
        self.tokenTTL = try container.decodeIfPresent(Int.self, forKey: .tokenTTL)
    }
}

/// A one-shot fault action, performed immediately by the venue (`POST /<venue>/faults`).
public struct VenueFaultAction: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Sendable { case dropWebSockets, expireTokens }
    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Close every open streaming connection now (abruptly, without a close frame).
    public static let dropWebSockets = VenueFaultAction(.dropWebSockets)
    /// Make every token issued so far invalid (the next request with one gets the venue's auth failure).
    public static let expireTokens = VenueFaultAction(.expireTokens)

    /// The JSON key that triggers the action.
    public var description: String { self.base.rawValue }
}

/// A partial update of ``VenueFaultSettings`` plus one-shot actions, as posted to `POST /<venue>/faults`.
///
/// Every key is optional; unknown keys are rejected so that typos do not silently do nothing.
/// `"tokenTTL": null` clears the TTL, an absent `tokenTTL` leaves it unchanged.
public struct VenueFaultPatch: Sendable, Decodable {
    /// New latency, if given.
    public var latencyMs: Int?
    /// New error rate, if given.
    public var errorRate: Double?
    /// New error status, if given.
    public var errorStatus: Int?
    /// New drop rate, if given.
    public var dropRate: Double?
    /// New hang flag, if given.
    public var hangOrders: Bool?
    /// `.some(nil)` clears the TTL; `nil` leaves it unchanged.
    public var tokenTTL: Int??
    /// One-shot actions requested with `true`.
    public var actions: [VenueFaultAction] = []

    /// Creates an empty patch.
    public init() {}

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes a patch, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys {
            switch key.stringValue {
            case "latencyMs": self.latencyMs = try container.decode(Int.self, forKey: key)
            case "errorRate": self.errorRate = try container.decode(Double.self, forKey: key)
            case "errorStatus": self.errorStatus = try container.decode(Int.self, forKey: key)
            case "dropRate": self.dropRate = try container.decode(Double.self, forKey: key)
            case "hangOrders": self.hangOrders = try container.decode(Bool.self, forKey: key)
            case "tokenTTL":
                self.tokenTTL = .some(
                    try container.decodeNil(forKey: key) ? nil : try container.decode(Int.self, forKey: key))
            case "dropWebSockets":
                if try container.decode(Bool.self, forKey: key) { self.actions.append(.dropWebSockets) }
            case "expireTokens":
                if try container.decode(Bool.self, forKey: key) { self.actions.append(.expireTokens) }
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "unknown fault key '\(key.stringValue)'")
            }
        }
    }

    /// Returns `settings` with this patch's fields applied.
    public func applied(to settings: VenueFaultSettings) -> VenueFaultSettings {
        var result = settings
        if let value = self.latencyMs { result.latencyMs = value }
        if let value = self.errorRate { result.errorRate = value }
        if let value = self.errorStatus { result.errorStatus = value }
        if let value = self.dropRate { result.dropRate = value }
        if let value = self.hangOrders { result.hangOrders = value }
        if let value = self.tokenTTL { result.tokenTTL = value }
        return result
    }
}
