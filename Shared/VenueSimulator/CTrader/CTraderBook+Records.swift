import Foundation

extension CTraderBook {
    /// One record per position and per pending order that never filled (a filled one is its position's record),
    /// oldest first. `amount` is in units (volume ÷ 100); `reference` is the comment.
    func records(broker: String) -> [SimulatedOrderRecord] {
        var records: [(Date, SimulatedOrderRecord)] = []
        for position in self.positions {
            guard let symbol = CTraderSymbol.byID(position.symbolID) else { continue }
            let closed = position.status == .closed
            let closePrice =
                position.closedVolume > 0
                ? (position.closedValue / Decimal(position.closedVolume)).rounded(scale: symbol.digits) : nil
            let record = SimulatedOrderRecord(
                broker: broker, ticket: position.id, pair: symbol.name, amount: Decimal(position.openedVolume) / 100,
                op: position.side.recordName, status: closed ? "closed" : "open", openedAt: position.openedAt,
                openPrice: position.price, responseWithheld: position.responseWithheld, closedAt: position.closedAt,
                closePrice: closed ? closePrice : nil, profit: closed ? Decimal(position.realizedProfit) / 100 : nil,
                reference: position.comment)
            records.append((position.openedAt, record))
        }
        for order in self.orders where order.type != .market && order.status != .filled {
            guard let symbol = CTraderSymbol.byID(order.symbolID) else { continue }
            let cancelled = order.status == .cancelled
            let record = SimulatedOrderRecord(
                broker: broker, ticket: order.id, pair: symbol.name, amount: Decimal(order.volume) / 100,
                op: order.side.recordName, status: cancelled ? "cancelled" : "open", openedAt: order.createdAt,
                openPrice: order.triggerPrice ?? 0, responseWithheld: order.responseWithheld,
                closedAt: cancelled ? order.updatedAt : nil, reference: order.comment)
            records.append((order.createdAt, record))
        }
        return records.sorted { ($0.0, $0.1.ticket) < ($1.0, $1.1.ticket) }.map(\.1)
    }
}
