public import Foundation
public import Messages
public import ServiceSupport
public import VenueKit

/// What the pre-trade checks know about the venues and the moment.
public struct PreTradeContext: Sendable {
    /// Configured venues by id.
    public var venues: [String: VenueDefinition]
    /// Per venue: what the protocol module offers and its symbol rules.
    public var capabilities: [String: (VenueCapabilities, VenueSymbolRules)]
    /// Halted venue ids; `*` halts every venue.
    public var halted: Set<String>
    /// The current time.
    public var now: Date
    /// A reference price for notional checks of market orders (last quote), when known.
    public var referencePrice: @Sendable (_ venue: String, _ symbol: String) -> Decimal?

    /// Creates a context.
    public init(
        venues: [String: VenueDefinition], capabilities: [String: (VenueCapabilities, VenueSymbolRules)],
        halted: Set<String>, now: Date = Date(),
        referencePrice: @escaping @Sendable (String, String) -> Decimal? = { _, _ in nil }
    ) {
        self.venues = venues
        self.capabilities = capabilities
        self.halted = halted
        self.now = now
        self.referencePrice = referencePrice
    }
}

/// The outcome of the pre-trade checks.
public enum PreTradeDecision: Sendable, Hashable {
    /// The command may go to the venue.
    case pass
    /// The command is refused before any venue call, with its terminal status (`rejected` or `expired`).
    case refuse(OrderStatus, Reason)
}

/// Checks run before any venue call, in this order: venue known; expiry (passed → `expired`; more than a year away →
/// rejected `invalid_expiry`); halt (new orders only — closes and
/// cancels still go through, so risk can be reduced while a venue is halted); order type offered; symbol tradable
/// and configured; quantity limit; notional limit (a limit or stop price, else the reference price; refused when
/// a notional limit is set and no price is known).
public enum PreTradeChecks {
    /// The furthest expiry a command may name (one year).
    public static let longestExpiry: TimeInterval = 366 * 86_400

    /// Evaluates `command`.
    public static func evaluate(_ command: OrderCommand, context: PreTradeContext) -> PreTradeDecision {
        guard let venue = context.venues[command.venue], let (capabilities, rules) = context.capabilities[command.venue] else {
            return .refuse(.rejected, Reason(code: "unknown_venue", message: "venue \(command.venue) is not configured"))
        }
        if let expiresAt = command.expiresAt, expiresAt.date <= context.now {
            return .refuse(.expired, Reason(code: "command_expired", message: "expiresAt \(expiresAt) has passed"))
        }
        // A command meant to live longer than any venue keeps an order is a mistake (or hostile), not an intent.
        if let expiresAt = command.expiresAt, expiresAt.date.timeIntervalSince(context.now) > Self.longestExpiry {
            return .refuse(.rejected, Reason(code: "invalid_expiry", message: "expiresAt \(expiresAt) is more than a year away"))
        }
        guard command.action == .place else {
            // A close or cancel acts on one venue order: without its id there is nothing to act on.
            guard command.venueOrderId != nil else {
                return .refuse(.rejected, Reason(
                    code: "invalid_command", message: "\(command.action.rawValue) needs the venueOrderId of the order it acts on"))
            }
            return .pass
        }
        if context.halted.contains(command.venue) || context.halted.contains("*") {
            return .refuse(.rejected, Reason(code: "venue_halted", message: "new orders for \(command.venue) are halted"))
        }
        guard let symbol = command.symbol, let quantity = command.quantity, let orderType = command.orderType else {
            return .refuse(.rejected, Reason(code: "invalid_command", message: "place needs symbol, quantity and orderType"))
        }
        guard capabilities.orderTypes.contains(orderType) else {
            return .refuse(.rejected, Reason(code: "order_type_unsupported", message: "\(orderType.rawValue) orders are not offered by \(command.venue)"))
        }
        if let refusal = rules.tradingRefusal(for: symbol) { return .refuse(.rejected, refusal) }
        if !venue.symbols.isEmpty, !venue.symbols.contains(symbol) {
            return .refuse(.rejected, Reason(code: "symbol_not_configured", message: "\(symbol) is not configured for \(command.venue)"))
        }
        if let maxQuantity = venue.limits.maxQuantity, quantity > maxQuantity {
            return .refuse(.rejected, Reason(code: "quantity_limit", message: "quantity \(quantity) exceeds the limit \(maxQuantity)"))
        }
        if let maxNotional = venue.limits.maxNotional {
            guard let price = command.limitPrice ?? command.stopPrice ?? context.referencePrice(command.venue, symbol) else {
                return .refuse(.rejected, Reason(code: "notional_unknown", message: "no price to check the notional limit against"))
            }
            if quantity * price > maxNotional {
                return .refuse(.rejected, Reason(code: "notional_limit", message: "notional \(quantity * price) exceeds the limit \(maxNotional)"))
            }
        }
        return .pass
    }
}
