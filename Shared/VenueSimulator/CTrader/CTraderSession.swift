import Foundation

/// A spot subscription of one connection: the sides last sent, so that an unchanged side can be omitted.
struct CTraderSpotSubscription: Sendable {
    var account: Int64
    var symbolID: Int64
    /// Whether 2131 carries `timestamp` (2127 `subscribeToSpotTimestamp`).
    var withTimestamp: Bool
    /// The bid last sent, in 1/100000.
    var lastBid: Int64?
    /// The ask last sent, in 1/100000.
    var lastAsk: Int64?
}

/// The state of one connection that only its loop touches (authentication lives in ``CTraderConnections``, where
/// token invalidation can reach it).
struct CTraderSession: Sendable {
    /// The connection's id in ``CTraderConnections``.
    let id: Int
    var lastReceived = ContinuousClock.now
    var nextHeartbeat: ContinuousClock.Instant
    /// When the spot events of the next price step are due.
    var spotPushes: RecurringDeadline
    /// Arrival times of the requests admitted in the last second.
    private var window: [ContinuousClock.Instant] = []
    /// Spot subscriptions in subscription order.
    var spots: [CTraderSpotSubscription] = []

    init(id: Int, heartbeatInterval: Duration, tickInterval: Duration) {
        self.id = id
        self.nextHeartbeat = .now + heartbeatInterval
        self.spotPushes = RecurringDeadline(every: tickInterval)
    }

    /// Counts one request at `now` against `limit` per sliding second; `nil` when admitted, else the seconds until
    /// one is (the 2142 `retryAfter`, at least 1). A refused request is not counted.
    mutating func admit(now: ContinuousClock.Instant, limit: Int) -> Int64? {
        self.window.removeAll { now - $0 >= .seconds(1) }
        guard self.window.count >= limit, let oldest = self.window.first else {
            self.window.append(now)
            return nil
        }
        let wait = oldest + .seconds(1) - now
        return max(1, Int64((wait / .seconds(1)).rounded(.up)))
    }

    /// The subscription of `account` to `symbolID`, if any.
    func spotIndex(account: Int64, symbolID: Int64) -> Int? {
        self.spots.firstIndex { $0.account == account && $0.symbolID == symbolID }
    }
}
