import Foundation

/// ProtoOATradeSide.
enum CTraderSide: Int64, Sendable {
    case buy = 1
    case sell = 2

    var opposite: CTraderSide { self == .buy ? .sell : .buy }

    /// `buy` or `sell`, as the admin API's order records name it.
    var recordName: String { self == .buy ? "buy" : "sell" }
}

/// The ProtoOAOrderType values the venue executes (the others are refused with `INVALID_REQUEST`).
enum CTraderOrderType: Int64, Sendable {
    case market = 1
    case limit = 2
    case stop = 3
}

/// ProtoOAOrderStatus values the venue uses.
enum CTraderOrderStatus: Int64, Sendable {
    case accepted = 1
    case filled = 2
    case cancelled = 5
}

/// ProtoOAPositionStatus values the venue uses.
enum CTraderPositionStatus: Int64, Sendable {
    case open = 1
    case closed = 2
    case created = 3
}

/// ProtoOAExecutionType values the venue sends.
enum CTraderExecutionType: Int64, Sendable {
    case orderAccepted = 2
    case orderFilled = 3
    case orderCancelled = 5
}

/// A position of the account (protocols.md §5.6 `Position`). Prices are in real units, money in cents (moneyDigits
/// 2), volumes in cents of units.
struct CTraderPosition: Sendable {
    let id: Int64
    let symbolID: Int64
    let side: CTraderSide
    /// The open volume (0 once closed).
    var volume: Int64
    /// The volume the position was opened with.
    let openedVolume: Int64
    let openedAt: Date
    var label: String?
    var comment: String?
    var status: CTraderPositionStatus
    /// Entry price.
    var price: Decimal
    var stopLoss: Decimal?
    var takeProfit: Decimal?
    /// Margin held for the open volume, in cents.
    var usedMargin: Int64
    var updatedAt: Date
    /// Whether an execution event of the position was withheld by `hangOrders`.
    var responseWithheld: Bool
    /// Σ closing price × closed volume, for the admin record's average closing price.
    var closedValue: Decimal = 0
    var closedVolume: Int64 = 0
    /// Realised gross profit in cents.
    var realizedProfit: Int64 = 0
    var closedAt: Date?
}

/// An order of the account (protocols.md §5.6 `Order`): a market order, a pending limit or stop order, or the
/// closing order of a position.
struct CTraderOrder: Sendable {
    let id: Int64
    let symbolID: Int64
    let side: CTraderSide
    let volume: Int64
    let type: CTraderOrderType
    var status: CTraderOrderStatus
    var limitPrice: Decimal?
    var stopPrice: Decimal?
    var stopLoss: Decimal?
    var takeProfit: Decimal?
    var relativeStopLoss: Int64?
    var relativeTakeProfit: Int64?
    var clientOrderID: String?
    var label: String?
    var comment: String?
    /// ProtoOATimeInForce.
    var timeInForce: Int64
    var expirationTimestamp: Int64?
    var positionID: Int64?
    var executionPrice: Decimal?
    var executedVolume: Int64?
    var isClosing = false
    let createdAt: Date
    var updatedAt: Date
    var responseWithheld = false

    /// Whether the order waits for its price (LIMIT or STOP, accepted, not yet filled or cancelled).
    var isPending: Bool { self.type != .market && self.status == .accepted }

    /// The price a pending order waits for.
    var triggerPrice: Decimal? { self.type == .limit ? self.limitPrice : self.stopPrice }
}

/// `Deal.closePositionDetail`: money in cents.
struct CTraderCloseDetail: Sendable {
    var entryPrice: Decimal
    var grossProfit: Int64
    /// The balance after the close.
    var balance: Int64
    var balanceVersion: Int64
    var closedVolume: Int64
}

/// One execution of an order (protocols.md §5.6 `Deal`).
struct CTraderDeal: Sendable {
    let id: Int64
    let orderID: Int64
    let positionID: Int64
    let volume: Int64
    let symbolID: Int64
    let executedAt: Date
    let price: Decimal
    let side: CTraderSide
    var closeDetail: CTraderCloseDetail?
}

/// One 2126 ExecutionEvent, as snapshots of the entities at that moment.
struct CTraderExecution: Sendable {
    var type: CTraderExecutionType
    var order: CTraderOrder?
    var position: CTraderPosition?
    var deal: CTraderDeal?
}

/// A refusal of a trading request: 2132 OrderErrorEvent (`orderError`) or 2142 ErrorRes (`error`).
struct CTraderTradeRefusal: Sendable, Error {
    var isOrderError: Bool
    var code: String
    var description: String
    var orderID: Int64?
    var positionID: Int64?

    /// A 2132 OrderErrorEvent.
    static func orderError(
        _ code: String, _ description: String, orderID: Int64? = nil, positionID: Int64? = nil
    ) -> CTraderTradeRefusal {
        CTraderTradeRefusal(
            isOrderError: true, code: code, description: description, orderID: orderID, positionID: positionID)
    }

    /// A 2142 ErrorRes.
    static func error(_ code: String, _ description: String) -> CTraderTradeRefusal {
        CTraderTradeRefusal(isOrderError: false, code: code, description: description)
    }
}

extension Date {
    /// Milliseconds since the Unix epoch (cTrader's timestamps, protocols.md §5.6).
    var cTraderMilliseconds: Int64 {
        Int64((self.timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
