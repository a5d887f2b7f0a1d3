/// A closed set of string values on the wire. Decoding an unknown value is an `invalidValue` error.
protocol WireEnum: RawRepresentable, CaseIterable, Sendable where RawValue == String {}

extension WireEnum {
    /// `"a, b, c"`, for error rules.
    static var allowedValues: String { Self.allCases.map(\.rawValue).joined(separator: ", ") }
}

/// What an `OrderCommand` asks for.
public enum OrderAction: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// Open a new order or position.
    case place
    /// Close an open position, fully or partially (`quantity`).
    case close
    /// Cancel a pending order.
    case cancel
}

/// Buy or sell.
public enum OrderSide: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// Buy (go long).
    case buy
    /// Sell (go short).
    case sell
}

/// How an order is priced.
public enum OrderType: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// At the best available price; carries neither `limitPrice` nor `stopPrice`.
    case market
    /// At `limitPrice` or better; `limitPrice` is required.
    case limit
    /// Becomes a market order when `stopPrice` trades; `stopPrice` is required.
    case stop
}

/// The state an `ExecutionReport` reports.
public enum OrderStatus: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// The venue accepted the order (it may still be working).
    case accepted
    /// The command was refused, by pre-trade checks or by the venue. Requires `reason`.
    case rejected
    /// Completely filled.
    case filled
    /// Partly filled; more fills may follow.
    case partiallyFilled = "partially_filled"
    /// The position was closed.
    case closed
    /// The order was cancelled.
    case cancelled
    /// The order expired (`expiresAt` passed before execution). Requires `reason`.
    case expired
    /// Execution failed (for example a transport error). Requires `reason`.
    case failed
    /// The outcome is in doubt and could not be reconciled. Requires `reason`.
    case unknown

    /// Whether a report with this status must carry a `reason`.
    public var requiresReason: Bool {
        switch self {
        case .rejected, .failed, .unknown, .expired: true
        default: false
        }
    }
}

/// The protocol module that talks to a venue; also the allowed keys of `OrderCommand.extensions`.
public enum VenueProtocol: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// MT4Server REST proxy.
    case mt4server
    /// CPlugin Cloud WebAPI for MT4/MT5.
    case cplugin
    /// Magnr trading API.
    case magnr
    /// Binary.com / Deriv WebSocket API.
    case deriv
    /// cTrader Open API.
    case ctrader
}

/// Why a `TokenRefreshRequest` was sent.
public enum TokenRefreshReason: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// The venue refused the current token (for example HTTP 401).
    case rejectedByVenue = "rejected_by_venue"
    /// The current token is about to expire.
    case expiring
    /// An operator asked for it.
    case `operator`
    /// A service started and has no usable grant.
    case startup
}

/// What an `AuthEvent` reports.
public enum AuthEventKind: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// The first grant for a venue was issued.
    case issued
    /// A grant was refreshed.
    case refreshed
    /// A refresh failed and will be retried. Requires `error`.
    case failedTransient = "failed_transient"
    /// The venue revoked the credentials; an operator must act. Requires `error`.
    case failedRevoked = "failed_revoked"

    /// Whether this is one of the `failed_*` kinds, which must carry `error`.
    public var isFailure: Bool { self == .failedTransient || self == .failedRevoked }
}

/// The connection state in a `VenueStatus`.
public enum VenueConnectionState: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// Connected and working.
    case connected
    /// Not connected. Requires `reason`.
    case disconnected
    /// Connected but impaired (slow, partial data, rate limited). Requires `reason`.
    case degraded
}

/// What a `ControlCommand` does.
public enum ControlAction: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// Stop executing new commands for the scope (kill switch).
    case halt
    /// Resume executing commands for the scope.
    case resume
    /// An operator states the true outcome of a command whose final report was `unknown` (scope: its venue).
    case resolve
}

/// The phase of a `JournalEntry`.
public enum JournalPhase: String, Sendable, Hashable, CaseIterable, WireEnum {
    /// About to execute `command`.
    case intent
    /// Finished, with `report`.
    case done
}

/// The venues a `ControlCommand` applies to: one venue id, or every venue (`"*"` on the wire).
public enum ControlScope: Sendable, Hashable, CustomStringConvertible {
    /// Every venue (`"*"`).
    case allVenues
    /// One venue id.
    case venue(String)

    /// The wire form: `"*"` or the venue id.
    public var description: String {
        switch self {
        case .allVenues: "*"
        case .venue(let id): id
        }
    }
}
