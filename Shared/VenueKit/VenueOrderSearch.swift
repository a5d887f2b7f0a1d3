public import Foundation
public import Messages

/// What the executor knows of a place request whose outcome is in doubt, for finding the order again.
public struct VenueOrderSearch: Sendable, Hashable {
    /// The request as it was (or was about to be) sent; its ``VenuePlaceRequest/idempotencyKey`` is the commandId.
    public var request: VenuePlaceRequest
    /// The earliest time the order can have been opened at: the intent's time minus an allowance for the venue's
    /// clock.
    public var notBefore: Date
    /// Venue order ids that other commands already account for: never this command's order.
    public var excluding: Set<String>
    /// Whether the request may be sent again under its idempotency key, where the venue honours one (false once the
    /// command expired: a replay that the venue treats as new would trade after the expiry).
    public var mayReplay: Bool

    /// Creates a search.
    public init(request: VenuePlaceRequest, notBefore: Date, excluding: Set<String> = [], mayReplay: Bool = true) {
        self.request = request
        self.notBefore = notBefore
        self.excluding = excluding
        self.mayReplay = mayReplay
    }
}

/// One observation made at the venue while settling an in-doubt command: what was asked, what was seen, when.
public struct VenueEvidence: Sendable, Hashable {
    /// The venue call that was made (`open-orders`, `ctrader.reconcile`, `cplugin.idempotent-replay`, …).
    public var check: String
    /// What it showed, in words an operator can act on.
    public var finding: String
    /// When the venue answered.
    public var observedAt: Date
    /// Venue order ids that matched the command's fields (none, one, or several when it was ambiguous).
    public var candidates: [String]

    /// Creates an observation.
    public init(check: String, finding: String, observedAt: Date = Date(), candidates: [String] = []) {
        self.check = check
        self.finding = finding
        self.observedAt = observedAt
        self.candidates = candidates
    }
}

/// What a search for an in-doubt order found.
public enum VenueOrderSearchResult: Sendable, Hashable {
    /// The order exists and is certainly this command's: its acknowledgement as the venue shows it now.
    case found(VenueOrderAck, VenueEvidence)
    /// The venue certainly holds no order of this command (it said so, e.g. by refusing an idempotent replay).
    case notPlaced(Reason, VenueEvidence)
    /// Nothing matches (yet): the order was not placed, or is already gone; the venue cannot say which.
    case notFound(VenueEvidence)
    /// Several orders match the command's fields and none can be told apart.
    case ambiguous(VenueEvidence)

    /// The observation behind the result.
    public var evidence: VenueEvidence {
        switch self {
        case .found(_, let evidence), .notPlaced(_, let evidence), .notFound(let evidence), .ambiguous(let evidence):
            evidence
        }
    }
}

extension VenueOrderGateway {
    /// The default search: ``findOrderByFields(_:)``.
    public func findOrder(_ search: VenueOrderSearch) async throws(VenueError) -> VenueOrderSearchResult {
        try await self.findOrderByFields(search)
    }

    /// The field match over ``openOrders()``: an open order of the same symbol, side and quantity, opened no earlier
    /// than ``VenueOrderSearch/notBefore`` and not claimed by another command. Exactly one such order is found;
    /// several are ambiguous; none is not found.
    public func findOrderByFields(_ search: VenueOrderSearch) async throws(VenueError) -> VenueOrderSearchResult {
        let orders = try await self.openOrders()
        return Self.match(search, among: orders, check: "open-orders", observedAt: Date())
    }

    /// Matches `search` among `orders` by symbol, side, quantity and open time (orders without a time are kept:
    /// the venue does not say, so they cannot be ruled out).
    public static func match(
        _ search: VenueOrderSearch, among orders: [VenueOpenOrder], check: String, observedAt: Date
    ) -> VenueOrderSearchResult {
        let request = search.request
        let candidates = orders.filter { order in
            order.symbol == request.symbol && (order.side == nil || order.side == request.side)
                && order.quantity == request.quantity && !search.excluding.contains(order.venueOrderID)
                && (order.openedAt ?? .distantFuture) >= search.notBefore
        }
        let fields = "\(request.side.rawValue) \(request.quantity) \(request.symbol) opened since \(Timestamp(date: search.notBefore))"
        switch candidates.count {
        case 0:
            return .notFound(VenueEvidence(
                check: check, finding: "\(orders.count) open orders listed, none is \(fields)", observedAt: observedAt))
        case 1:
            let order = candidates[0]
            let evidence = VenueEvidence(
                check: check, finding: "exactly one open order is \(fields): \(order.venueOrderID)",
                observedAt: observedAt, candidates: [order.venueOrderID])
            return .found(
                VenueOrderAck(
                    venueOrderID: order.venueOrderID, filledQuantity: order.quantity,
                    averagePrice: order.price > 0 ? order.price : nil, venueTime: order.openedAt),
                evidence)
        default:
            let ids = candidates.map(\.venueOrderID)
            return .ambiguous(VenueEvidence(
                check: check, finding: "\(ids.count) open orders are \(fields); none can be told apart",
                observedAt: observedAt, candidates: ids))
        }
    }
}
