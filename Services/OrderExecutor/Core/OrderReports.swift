import Crypto
import Foundation
public import Messages
import VenueKit

/// The moments of one command that its reports carry.
public struct OrderTimes: Sendable, Hashable {
    /// When the executor read the command.
    public var receivedAt: Timestamp
    /// When the venue request left.
    public var sentAt: Timestamp?
    /// When the venue's answer arrived.
    public var ackedAt: Timestamp?

    /// Creates the times.
    public init(receivedAt: Timestamp, sentAt: Timestamp? = nil, ackedAt: Timestamp? = nil) {
        self.receivedAt = receivedAt
        self.sentAt = sentAt
        self.ackedAt = ackedAt
    }
}

/// Builds the reports and fills of a command. Ids are derived from the commandId (name-based UUIDs), so a report
/// published again after a crash is the same report, and consumers deduplicate by `reportId` / `fillId`.
enum OrderReports {
    /// The terminal report's id for `commandId`.
    static func finalReportID(_ commandId: UUID) -> UUID { self.derivedID(commandId, "final") }

    /// A terminal report.
    static func final(
        _ command: OrderCommand, status: OrderStatus, times: OrderTimes, reason: Reason? = nil,
        ack: VenueOrderAck? = nil, position: VenueOpenOrder? = nil
    ) -> ExecutionReport {
        self.report(command, id: self.finalReportID(command.commandId), status: status, isFinal: true, times: times,
            reason: reason, ack: ack, position: position)
    }

    /// The non-final `unknown` report published while an outcome is being reconciled.
    static func inDoubt(_ command: OrderCommand, times: OrderTimes, reason: Reason) -> ExecutionReport {
        self.report(command, id: self.derivedID(command.commandId, "unknown"), status: .unknown, isFinal: false,
            times: times, reason: reason, ack: nil, position: nil)
    }

    /// The final report an operator's resolution makes of a final `unknown` report (nil when the stated status
    /// cannot finish the command's action), and its fill. Built only from the two, so every instance builds the same.
    static func resolved(
        _ unknown: ExecutionReport, by control: ControlCommand, stated: OrderResolution
    ) -> (ExecutionReport, [Fill])? {
        let fitting: Set<OrderStatus> = switch unknown.action {
        case .place: [.filled, .accepted, .rejected]
        case .close: [.closed, .rejected]
        case .cancel: [.cancelled, .rejected]
        }
        guard fitting.contains(stated.status) else { return nil }
        var report = unknown
        report.reportId = self.derivedID(unknown.commandId, "resolution")
        report.status = stated.status
        report.venueOrderId = stated.venueOrderId ?? unknown.venueOrderId
        report.filledQuantity = stated.filledQuantity ?? 0
        report.averagePrice = stated.averagePrice
        report.reason = Reason(
            code: "operator_resolved", message: "resolved by \(control.operator): \(control.reason)")
        report.reportedAt = control.issuedAt
        report.resolves = unknown.reportId
        var fills: [Fill] = []
        if unknown.action == .place, stated.status == .filled, let id = report.venueOrderId, let symbol = report.symbol,
            let side = report.side, let price = stated.averagePrice, report.filledQuantity > 0
        {
            fills.append(Fill(
                fillId: "\(report.venue):\(id):open", commandId: report.commandId, clientOrderId: report.clientOrderId,
                venue: report.venue, venueOrderId: id, symbol: symbol, side: side, quantity: report.filledQuantity,
                price: price, time: control.issuedAt, reportedAt: control.issuedAt))
        }
        return (report, fills)
    }

    /// The fill of an accepted order that reported a price and size.
    static func fill(_ command: OrderCommand, ack: VenueOrderAck, reportedAt: Timestamp) -> Fill? {
        guard let symbol = command.symbol, let side = command.side, let quantity = ack.filledQuantity, quantity > 0,
            let price = ack.averagePrice
        else { return nil }
        return Fill(
            fillId: "\(command.venue):\(ack.venueOrderID):open", commandId: command.commandId,
            clientOrderId: command.clientOrderId, venue: command.venue, venueOrderId: ack.venueOrderID, symbol: symbol,
            side: side, quantity: quantity, price: price, time: Timestamp(date: ack.venueTime ?? reportedAt.date),
            reportedAt: reportedAt)
    }

    private static func report(
        _ command: OrderCommand, id: UUID, status: OrderStatus, isFinal: Bool, times: OrderTimes, reason: Reason?,
        ack: VenueOrderAck?, position: VenueOpenOrder?
    ) -> ExecutionReport {
        ExecutionReport(
            reportId: id, commandId: command.commandId, clientOrderId: command.clientOrderId, venue: command.venue,
            venueOrderId: ack?.venueOrderID ?? command.venueOrderId, action: command.action, status: status,
            isFinal: isFinal, symbol: command.symbol ?? position?.symbol, side: command.side ?? position?.side,
            filledQuantity: ack?.filledQuantity ?? 0, averagePrice: ack?.averagePrice, reason: reason,
            receivedAt: times.receivedAt, sentAt: times.sentAt, ackedAt: times.ackedAt,
            venueTime: ack?.venueTime.map(Timestamp.init(date:)), reportedAt: .now())
    }

    /// A version-5 style UUID from the commandId and a role.
    private static func derivedID(_ commandId: UUID, _ role: String) -> UUID {
        var input = Data(commandId.uuidString.lowercased().utf8)
        input.append(contentsOf: Array("/\(role)".utf8))
        var bytes = Array(Insecure.SHA1.hash(data: input).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
