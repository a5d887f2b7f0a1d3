import Foundation
import Logging
import Messages
import ServiceRuntime
import VenueKit

/// Settles commands whose venue outcome is unknown (a timeout after sending, a lost connection, a crash between
/// intent and outcome): never resends them, but polls the venue's open orders until the order (or its absence)
/// shows what happened, then journals and publishes the terminal report.
///
/// - place: an open order of the same symbol, side and quantity, opened no earlier than shortly before the intent
///   and not claimed by another command, is the order: `filled` (reason `reconciled`). None within the window →
///   final `unknown` (`in_doubt_unresolved`): an operator must look (MT4Server keeps no client order id).
/// - close / cancel: the position gone → `closed` / `cancelled`; still there at the end of the window →
///   `rejected` (`not_executed`).
actor OrderReconciler {
    struct Job: Sendable {
        var entry: OrderJournal.InDoubt
        var times: OrderTimes
    }

    private let sessions: [String: VenueConnection]
    private let journal: OrderJournal
    private let completion: @Sendable (ExecutionReport, [Fill]) async -> Void
    private let window: Duration
    private let logger: Logger
    private var active: Set<UUID> = []
    private var claimed: [String: Set<String>] = [:]
    private let jobs: AsyncStream<Job>
    private let jobInput: AsyncStream<Job>.Continuation

    /// Allowance for the venue clock and its one-second open times.
    static let clockAllowance: TimeInterval = 5

    init(
        sessions: [String: VenueConnection], journal: OrderJournal, window: Duration, logger: Logger,
        completion: @escaping @Sendable (ExecutionReport, [Fill]) async -> Void
    ) {
        self.sessions = sessions
        self.journal = journal
        self.window = window
        self.logger = logger
        self.completion = completion
        (self.jobs, self.jobInput) = AsyncStream.makeStream(of: Job.self)
    }

    /// Queues a command for reconciliation (once: a command already being reconciled is not queued again).
    nonisolated func submit(_ job: Job) { self.jobInput.yield(job) }

    /// Reconciles queued commands until cancelled. Cancelled jobs stay in doubt in the journal and are resumed by the
    /// next start of this executor instance.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in self.jobs {
                guard self.begin(job.entry.command.commandId) else { continue }
                group.addTask { await self.reconcile(job) }
            }
        }
    }

    private func begin(_ commandId: UUID) -> Bool { self.active.insert(commandId).inserted }

    private func reconcile(_ job: Job) async {
        let command = job.entry.command
        var logger = self.logger
        logger[metadataKey: "command.id"] = "\(command.commandId)"
        logger[metadataKey: "venue.name"] = "\(command.venue)"
        guard let session = self.sessions[command.venue] else {
            logger.error("In-doubt command for a venue no longer configured; left in doubt")
            return
        }
        logger.notice("Reconciling an in-doubt command against the venue")
        let deadline = ContinuousClock.now + self.window
        var delay = Duration.milliseconds(250)
        var report: ExecutionReport?
        var fills: [Fill] = []
        while report == nil {
            let orders = try? await session.gateway.openOrders()
            if let orders {
                (report, fills) = self.settle(job, orders: orders, final: ContinuousClock.now >= deadline)
            } else if ContinuousClock.now >= deadline {
                report = OrderReports.final(command, status: .unknown, times: job.times, reason: Reason(
                    code: "in_doubt_unresolved", message: "the venue's open orders could not be read to settle the command"))
            }
            if report == nil {
                do { try await Task.sleep(for: delay) } catch { return }
                delay = min(delay * 2, .seconds(4))
            }
        }
        guard let report else { return }
        logger.notice("In-doubt command settled", metadata: ["order.status": "\(report.status.rawValue)"])
        await self.completion(report, fills)
        self.active.remove(command.commandId)
    }

    private func settle(_ job: Job, orders: [VenueOpenOrder], final: Bool) -> (ExecutionReport?, [Fill]) {
        let command = job.entry.command
        switch command.action {
        case .place:
            let notBefore = job.entry.recordedAt.date.addingTimeInterval(-Self.clockAllowance)
            let taken = self.journal.claimedVenueOrderIDs(venue: command.venue).union(self.claimed[command.venue] ?? [])
            let match = orders
                .filter { order in
                    order.symbol == command.symbol && order.side == command.side && order.quantity == command.quantity
                        && !taken.contains(order.venueOrderID) && (order.openedAt ?? .distantFuture) >= notBefore
                }
                .min { ($0.openedAt ?? .distantFuture) < ($1.openedAt ?? .distantFuture) }
            if let match {
                self.claimed[command.venue, default: []].insert(match.venueOrderID)
                let ack = VenueOrderAck(
                    venueOrderID: match.venueOrderID, filledQuantity: match.quantity, averagePrice: match.price,
                    venueTime: match.openedAt)
                let report = OrderReports.final(command, status: .filled, times: job.times, reason: Reason(
                    code: "reconciled", message: "found at the venue after an unknown outcome"), ack: ack)
                return (report, OrderReports.fill(command, ack: ack, reportedAt: report.reportedAt).map { [$0] } ?? [])
            }
            guard final else { return (nil, []) }
            return (OrderReports.final(command, status: .unknown, times: job.times, reason: Reason(
                code: "in_doubt_unresolved",
                message: "the venue lists no matching open order; it was not placed or is already closed: check at the venue")), [])
        case .close, .cancel:
            let stillOpen = orders.contains { $0.venueOrderID == command.venueOrderId }
            if !stillOpen {
                let status: OrderStatus = command.action == .close ? .closed : .cancelled
                return (OrderReports.final(command, status: status, times: job.times, reason: Reason(
                    code: "reconciled", message: "the venue no longer lists the order")), [])
            }
            guard final else { return (nil, []) }
            return (OrderReports.final(command, status: .rejected, times: job.times, reason: Reason(
                code: "not_executed", message: "the venue still lists the order; the \(command.action.rawValue) did not execute")), [])
        }
    }
}
