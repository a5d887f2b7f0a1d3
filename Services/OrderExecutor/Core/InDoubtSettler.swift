import Foundation
import Logging
import Messages
import ServiceRuntime
import VenueKit

/// Settles a command whose venue outcome is unknown — an answer that never came, a lost connection, or a crash
/// between the journaled intent and the journaled outcome — by looking at the venue, never by sending the order
/// again blindly.
///
/// - place: the venue's own search (``VenueOrderGateway/findOrder(_:)``: cTrader by comment and clientOrderId,
///   CPlugin by comment and then an `Idempotency-Key` replay, Deriv, Magnr and MT4Server by the fields their lists
///   carry). Found → `filled` / `accepted` (reason `reconciled`); refused on replay → `rejected`; nothing certain
///   until the window ends → final `unknown` (`in_doubt_unresolved`) with what was seen, for an operator
///   (`tradewire order resolve`).
/// - close / cancel: the position gone → `closed` / `cancelled`; a full close whose position is still listed when
///   the window ends → `rejected` (`not_executed`); a partial close still listed → `unknown`.
///
/// The window runs from the intent, so an intent found after a restart that is older than the window gets one look;
/// a venue that cannot be read (no session grant yet after a restart, a fault) is retried for a whole window from
/// the start of the settlement before the outcome is left unknown.
/// Every report carries the observations it rests on (``ExecutionReport/evidence``).
struct InDoubtSettler: Sendable {
    let journal: OrderJournal
    let window: Duration
    let logger: Logger

    /// Allowance for the venue's clock and its one-second open times.
    static let clockAllowance: TimeInterval = 5
    /// Most observations kept on a report (the first ones and the last).
    static let evidenceLimit = 8

    /// The final report and fills of `entry`, or nil when the task was cancelled first (shutdown: the intent stays
    /// in doubt for the next owner of the venue).
    func settle(_ entry: OrderJournal.InDoubt, session: VenueConnection, times: OrderTimes) async -> (ExecutionReport, [Fill])? {
        let command = entry.command
        var logger = self.logger
        logger[metadataKey: "command.id"] = "\(command.commandId.uuidString.lowercased())"
        logger[metadataKey: "venue.name"] = "\(command.venue)"
        logger.notice("Settling an in-doubt command against the venue")
        let elapsed = Date().timeIntervalSince(entry.recordedAt.date)
        let start = ContinuousClock.now
        let deadline = Deadlines(
            look: start + max(.zero, self.window - .milliseconds(Int64(elapsed * 1000))), read: start + self.window)
        var observations = Observations(limit: Self.evidenceLimit)
        var delay = Duration.milliseconds(250)
        while true {
            let now = ContinuousClock.now
            let isLast = Deadlines.Passed(look: now >= deadline.look, read: now >= deadline.read)
            let settled: (ExecutionReport, [Fill])?
            switch command.action {
            case .place: settled = await self.lookForPlace(entry, session: session, times: times, isLast: isLast, &observations)
            case .close, .cancel: settled = await self.lookForExit(entry, session: session, times: times, isLast: isLast, &observations)
            }
            if let settled {
                logger.notice("In-doubt command settled", metadata: [
                    "order.status": "\(settled.0.status.rawValue)", "reason.code": "\(settled.0.reason?.code ?? "-")",
                ])
                return settled
            }
            let next = isLast.look ? deadline.read : deadline.look
            do { try await Task.sleep(for: min(delay, max(next - ContinuousClock.now, .milliseconds(10)))) } catch { return nil }
            delay = min(delay * 2, .seconds(4))
        }
    }

    private func lookForPlace(
        _ entry: OrderJournal.InDoubt, session: VenueConnection, times: OrderTimes, isLast: Deadlines.Passed,
        _ observations: inout Observations
    ) async -> (ExecutionReport, [Fill])? {
        let command = entry.command
        guard let search = self.search(entry, session: session) else {
            observations.add(VenueEvidence(check: "command", finding: "a place without symbol, side or quantity cannot be searched"))
            return self.unresolved(command, times: times, observations, message: "the command cannot be searched for")
        }
        let result: VenueOrderSearchResult
        do {
            result = try await session.gateway.findOrder(search)
        } catch {
            observations.add(VenueEvidence(check: "venue", finding: "the venue could not be read: \(error.reason)"))
            guard isLast.read else { return nil }
            return self.unresolved(command, times: times, observations, message: "the venue could not be read to settle the command")
        }
        observations.add(result.evidence)
        switch result {
        case .found(let ack, _):
            let status: OrderStatus = (ack.filledQuantity ?? 0) > 0 ? .filled : .accepted
            var report = OrderReports.final(command, status: status, times: times, reason: Reason(
                code: "reconciled", message: "found at the venue after an unknown outcome"), ack: ack)
            report.evidence = observations.reportEvidence
            return (report, OrderReports.fill(command, ack: ack, reportedAt: report.reportedAt).map { [$0] } ?? [])
        case .notPlaced(let reason, _):
            var report = OrderReports.final(command, status: .rejected, times: times, reason: reason)
            report.evidence = observations.reportEvidence
            return (report, [])
        case .ambiguous:
            guard isLast.look else { return nil }
            return self.unresolved(command, times: times, observations, message: "several orders at the venue match the command; check at the venue")
        case .notFound:
            guard isLast.look else { return nil }
            return self.unresolved(command, times: times, observations,
                message: "no matching order at the venue: it was not placed, or is already closed; check at the venue")
        }
    }

    private func lookForExit(
        _ entry: OrderJournal.InDoubt, session: VenueConnection, times: OrderTimes, isLast: Deadlines.Passed,
        _ observations: inout Observations
    ) async -> (ExecutionReport, [Fill])? {
        let command = entry.command
        let id = command.venueOrderId ?? ""
        let orders: [VenueOpenOrder]
        do {
            orders = try await session.gateway.openOrders()
        } catch {
            observations.add(VenueEvidence(check: "open-orders", finding: "the venue could not be read: \(error.reason)"))
            guard isLast.read else { return nil }
            return self.unresolved(command, times: times, observations, message: "the venue could not be read to settle the command")
        }
        let position = orders.first { $0.venueOrderID == id }
        guard let position else {
            observations.add(VenueEvidence(
                check: "open-orders", finding: "\(orders.count) open orders listed; \(id) is not among them"))
            let status: OrderStatus = command.action == .close ? .closed : .cancelled
            var report = OrderReports.final(command, status: status, times: times, reason: Reason(
                code: "reconciled", message: "the venue no longer lists the order"))
            report.evidence = observations.reportEvidence
            return (report, [])
        }
        observations.add(VenueEvidence(
            check: "open-orders", finding: "\(id) is still listed with quantity \(position.quantity)", candidates: [id]))
        guard isLast.look else { return nil }
        if command.action == .close, command.quantity != nil {
            return self.unresolved(command, times: times, observations,
                message: "the position is still open; whether part of it was closed cannot be told: check at the venue")
        }
        var report = OrderReports.final(command, status: .rejected, times: times, reason: Reason(
            code: "not_executed", message: "the venue still lists the order; the \(command.action.rawValue) did not execute"))
        report.evidence = observations.reportEvidence
        return (report, [])
    }

    private func search(_ entry: OrderJournal.InDoubt, session: VenueConnection) -> VenueOrderSearch? {
        let command = entry.command
        guard let symbol = command.symbol, let side = command.side, let quantity = command.quantity else { return nil }
        let request = OrderExecutionService.placeRequest(command, symbol: symbol, side: side, quantity: quantity, session: session)
        let mayReplay = command.expiresAt.map { $0.date > Date() } ?? true
        return VenueOrderSearch(
            request: request, notBefore: entry.recordedAt.date.addingTimeInterval(-Self.clockAllowance),
            excluding: self.journal.claimedVenueOrderIDs(venue: command.venue), mayReplay: mayReplay)
    }

    private func unresolved(
        _ command: OrderCommand, times: OrderTimes, _ observations: Observations, message: String
    ) -> (ExecutionReport, [Fill]) {
        var report = OrderReports.final(command, status: .unknown, times: times, reason: Reason(
            code: "in_doubt_unresolved", message: message))
        report.evidence = observations.reportEvidence
        if report.evidence.isEmpty {
            report.evidence = [ReportEvidence(check: "none", finding: "the venue was not reached", observedAt: .now())]
        }
        return (report, [])
    }
}

/// When a settlement may conclude: `look` for a conclusive answer of the venue (the window from the intent), `read`
/// for giving up on a venue that cannot be read (the window from the settlement's start).
struct Deadlines {
    struct Passed {
        var look: Bool
        var read: Bool
    }

    var look: ContinuousClock.Instant
    var read: ContinuousClock.Instant
}

/// The observations of one settlement: the first ones and the latest, up to a limit.
struct Observations {
    let limit: Int
    private(set) var items: [VenueEvidence] = []

    init(limit: Int) { self.limit = limit }

    mutating func add(_ evidence: VenueEvidence) {
        if self.items.count == self.limit { self.items.remove(at: self.limit / 2) }
        self.items.append(evidence)
    }

    var reportEvidence: [ReportEvidence] {
        self.items.map { item in
            ReportEvidence(
                check: String(item.check.prefix(64)), finding: String(item.finding.prefix(1000)),
                observedAt: Timestamp(date: item.observedAt), candidates: Array(item.candidates.prefix(50)))
        }
    }
}
