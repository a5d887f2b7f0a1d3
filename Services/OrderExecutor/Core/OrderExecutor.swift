public import Foundation
public import GrantSealing
public import KafkaBridge
public import Logging
import Messages
public import ServiceLifecycle
public import ServiceRuntime
public import ServiceSupport
import VenueKit

/// Settings of the order-executor.
///
/// ## Configuration keys
/// - `venuesFile` (path, `TRADEWIRE_VENUES_FILE`): the venue file shared with the auth-token-broker (secrets unused)
/// - `instanceID` (string, default the host name): this instance's name in the journal; a restarted instance with the
///   same name settles the commands it left in doubt
/// - `reconcileWindow` (duration, default 30 s): how long an unknown outcome is polled at the venue
/// - `grantWait` (duration, default 10 s): how long an order waits for a (new) session grant
/// - Kafka: `KAFKA_BROKERS`; the command group is `order-executor`
public struct OrderExecutorConfiguration: Sendable {
    /// The venues.
    public var venues: VenueConfigurationFile
    /// This instance's journal name.
    public var instanceID: String
    /// Kafka bootstrap servers.
    public var bootstrapServers: [String]
    /// The consumer of `orders.commands` (group `order-executor`).
    public var commands: KafkaConsumerConfiguration
    /// How long an unknown outcome is polled.
    public var reconcileWindow: Duration
    /// How long an order waits for a grant.
    public var grantWait: Duration

    /// Settings with defaults.
    public init(
        venues: VenueConfigurationFile, instanceID: String = ProcessInfo.processInfo.hostName,
        bootstrapServers: [String] = KafkaBootstrap.fromEnvironment()
    ) {
        self.venues = venues
        self.instanceID = instanceID
        self.bootstrapServers = bootstrapServers
        self.commands = KafkaConsumerConfiguration(groupID: "order-executor", bootstrapServers: bootstrapServers)
        self.commands.autoOffsetReset = .earliest
        self.reconcileWindow = .seconds(30)
        self.grantWait = .seconds(10)
    }
}

/// The order-executor: one consumer group over `orders.commands`; for every record exactly one terminal report (or a
/// dead letter), following ARCHITECTURE.md's order semantics.
public enum OrderExecutor {
    /// Builds the services of one executor process in start order: producer, journal, kill switch, grant feed,
    /// then the command loop (which waits for the journal and the kill switch to be read to the end).
    public static func makeServices(
        configuration: OrderExecutorConfiguration, sealer: GrantSealer, producer: KafkaProducer, metrics: ServiceMetrics,
        health: HealthBoard, logger: Logger
    ) throws -> [any Service] {
        let servers = configuration.bootstrapServers
        let requester = RefreshRequester(
            producer: producer, requestedBy: "order-executor/\(configuration.instanceID)", metrics: metrics, logger: logger)
        let sessions = try VenueConnections.make(
            venues: configuration.venues, requester: requester, grantWait: configuration.grantWait, logger: logger)

        var journalSettings = KafkaConsumerConfiguration(
            groupID: "order-executor-journal-\(UUID().uuidString.lowercased())", bootstrapServers: servers)
        journalSettings.autoOffsetReset = .earliest
        journalSettings.sessionTimeout = configuration.commands.sessionTimeout
        let journalConsumer = try KafkaConsumer(
            configuration: journalSettings, topics: [TopicCatalogue.ordersState.name], logger: logger)
        let journal = OrderJournal(
            consumer: journalConsumer, producer: producer, executorID: configuration.instanceID, logger: logger)

        var controlSettings = HaltSwitch.consumerConfiguration(bootstrapServers: servers)
        controlSettings.sessionTimeout = configuration.commands.sessionTimeout
        let controlConsumer = try KafkaConsumer(
            configuration: controlSettings, topics: [TopicCatalogue.ordersControl.name], logger: logger)
        let halts = HaltSwitch(consumer: controlConsumer, metrics: metrics, logger: logger)

        var grantSettings = GrantFeed.consumerConfiguration(service: "order-executor", bootstrapServers: servers)
        grantSettings.sessionTimeout = configuration.commands.sessionTimeout
        let grantConsumer = try KafkaConsumer(
            configuration: grantSettings, topics: [TopicCatalogue.authTokens.name], logger: logger)
        let grants = GrantFeed(
            consumer: grantConsumer, sealer: sealer, sources: sessions.mapValues(\.tokens), metrics: metrics,
            health: health, logger: logger)

        let commandConsumer = try KafkaConsumer(
            configuration: configuration.commands, topics: [TopicCatalogue.ordersCommands.name], logger: logger)
        let core = OrderExecutionService(
            instanceID: configuration.instanceID, commands: commandConsumer, producer: producer, journal: journal,
            halts: halts, sessions: sessions, reconcileWindow: configuration.reconcileWindow, metrics: metrics,
            health: health, logger: logger)
        return [
            producer, journalConsumer, journal, controlConsumer, halts, grantConsumer, grants, commandConsumer, core,
        ]
    }
}

/// The command loop: one lane per venue (in order within a venue, venues side by side), offsets marked in partition
/// order.
final class OrderExecutionService: Service, Sendable {
    private let instanceID: String
    private let commands: KafkaConsumer
    private let journal: OrderJournal
    private let halts: HaltSwitch
    private let sessions: [String: VenueConnection]
    private let publisher: OrderPublisher
    private let settler: InDoubtSettler
    /// One settlement at a time per venue (the start-up pass and the venue's lane).
    private let settlementGates: [String: AsyncSerialGate]
    private let crashPoints = CrashPoints.fromEnvironment()
    private let intake = CommandIntake()
    private let metrics: ServiceMetrics
    private let health: HealthBoard
    private let logger: Logger

    init(
        instanceID: String, commands: KafkaConsumer, producer: KafkaProducer, journal: OrderJournal, halts: HaltSwitch,
        sessions: [String: VenueConnection], reconcileWindow: Duration, metrics: ServiceMetrics, health: HealthBoard,
        logger: Logger
    ) {
        self.instanceID = instanceID
        self.commands = commands
        self.journal = journal
        self.halts = halts
        self.sessions = sessions
        let publisher = OrderPublisher(producer: producer, logger: logger)
        self.publisher = publisher
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.settler = InDoubtSettler(journal: journal, window: reconcileWindow, logger: logger)
        self.settlementGates = sessions.mapValues { _ in AsyncSerialGate() }
        health.set("replay", problem: "reading orders.state and orders.control")
    }

    func run() async throws {
        await self.journal.waitUntilReplayed()
        await self.halts.waitUntilReplayed()
        self.health.set("replay", problem: nil)
        let inDoubt = self.journal.inDoubtEntries()
        if !inDoubt.isEmpty {
            self.logger.notice(
                "In-doubt commands in the journal; each venue settles its own before its next command",
                metadata: ["count": "\(inDoubt.count)"])
        }
        await withTaskGroup(of: Bool.self) { group in
            // Start-up settlement, venues side by side; a venue's lane waits for its own (same gate).
            for venue in Set(inDoubt.map(\.command.venue)) {
                guard let session = self.sessions[venue] else {
                    self.logger.error("In-doubt commands for a venue no longer configured stay in doubt", metadata: ["venue.name": "\(venue)"])
                    continue
                }
                group.addTask {
                    _ = await self.settleInDoubt(venue: venue, session: session)
                    return false
                }
            }
            group.addTask {
                for await resolution in self.halts.resolutions { await self.resolve(resolution) }
                return false
            }
            group.addTask {
                let commands = self.commands
                let lanes = VenueLanes(
                    venues: Set(self.sessions.keys), limit: 256,
                    progress: PartitionProgress { message in try? commands.markProcessed(message) })
                do {
                    try await lanes.run(self.commands.messages.cancelOnGracefulShutdown()) { message in
                        await self.handle(message)
                    }
                } catch {
                    self.logger.error("Command stream failed", metadata: ["error": "\(error)"])
                }
                return true
            }
            // The command loop ends the service (shutdown or a failed stream); the rest stops with it.
            while let isCommandLoop = await group.next() {
                if isCommandLoop { break }
            }
            group.cancelAll()
        }
    }

    /// Handles one record; false when it could not be finished (shutdown while Kafka was unavailable).
    private func handle(_ message: KafkaConsumerMessage) async -> Bool {
        let receivedAt = Timestamp.now()
        let record = CommandRecord(
            topic: message.topic, partition: message.partition, offset: message.offset, key: message.key,
            value: message.value, timestamp: message.timestamp)
        switch self.intake.accept(record, receivedAt: receivedAt) {
        case .refused(let letter, let report):
            return await self.deadLetter(letter, report: report, key: message.key)
        case .command(let command):
            guard let session = self.sessions[command.venue] else {
                let failure = DeadLetter.Failure(
                    code: "unknown_venue", message: "venue \(command.venue) is not configured", pointer: "/venue")
                guard case .refused(let letter, let report) = self.intake.refuse(
                    record, failure: failure, reportCode: "unknown_venue", receivedAt: receivedAt)
                else { return false }
                return await self.deadLetter(letter, report: report, key: message.key)
            }
            return await self.execute(command, session: session, times: OrderTimes(receivedAt: receivedAt))
        }
    }

    private func deadLetter(_ letter: DeadLetter, report: ExecutionReport?, key: Data?) async -> Bool {
        self.logger.warning("Command dead-lettered", metadata: [
            "kafka.partition": "\(letter.original.partition)", "kafka.offset": "\(letter.original.offset)",
            "error.code": "\(letter.error.code)", "error.message": "\(letter.error.message)",
            "command.id": "\(letter.commandId.map { $0.uuidString.lowercased() } ?? "-")",
        ])
        self.metrics.deadLettered(code: letter.error.code)
        return await self.publisher.deadLetter(letter, key: key, report: report)
    }

    private func execute(_ command: OrderCommand, session: VenueConnection, times: OrderTimes) async -> Bool {
        var logger = self.logger
        logger[metadataKey: "command.id"] = "\(command.commandId.uuidString.lowercased())"
        logger[metadataKey: "venue.name"] = "\(command.venue)"
        logger[metadataKey: "order.client.id"] = "\(command.clientOrderId)"

        // A venue's in-doubt intents (left by a crash, by an earlier owner of the venue, or by this instance) are
        // settled before any new command for it.
        guard await self.settleInDoubt(venue: command.venue, session: session) else { return false }

        switch self.journal.entry(command.commandId) {
        case .done(let report):
            // Seen before: never executed again. Its terminal report goes out again unchanged (same reportId), in case
            // the first publication was cut short by a crash.
            logger.notice("Duplicate command not executed again", metadata: ["order.status": "\(report.status.rawValue)"])
            self.metrics.duplicate(venue: command.venue)
            return await self.publisher.report(report)
        case .intent:
            // Settled above unless the venue is no longer configured; never sent again.
            logger.error("Command still in doubt after settling; not resending")
            return false
        case nil:
            break
        }

        if let refusal = await self.preTradeRefusal(command, session: session) {
            logger.info("Command refused before the venue", metadata: ["reason.code": "\(refusal.1.code)"])
            return await self.finish(OrderReports.final(command, status: refusal.0, times: times, reason: refusal.1), logger: logger)
        }

        var position: VenueOpenOrder?
        if command.action != .place, let id = command.venueOrderId, let orders = try? await session.gateway.openOrders() {
            position = orders.first { $0.venueOrderID == id }
            if position == nil {
                let reason = Reason(code: "order_not_found", message: "the venue lists no open order \(id)")
                return await self.finish(OrderReports.final(command, status: .rejected, times: times, reason: reason), logger: logger)
            }
        }

        guard await OrderPublisher.retrying(logger, "journal", { try await self.journal.recordIntent(command) }) else {
            return false
        }
        self.crashPoints.reach(.afterIntent)
        var times = times
        times.sentAt = .now()
        self.crashPoints.arm(.duringVenue)
        let outcome = await self.call(command, session: session, position: position)
        times.ackedAt = .now()
        self.crashPoints.reach(.afterVenue)
        self.metrics.recordLatency(venue: command.venue, stage: "venue", times.sentAt!.date.durationUntil(times.ackedAt!.date))

        switch outcome {
        case .accepted(let ack):
            let status: OrderStatus
            switch command.action {
            case .place: status = (ack.filledQuantity ?? 0) > 0 ? .filled : .accepted
            case .close: status = .closed
            case .cancel: status = .cancelled
            }
            var report = OrderReports.final(command, status: status, times: times, ack: ack, position: position)
            // A close reports what it closed (the venue's figure for a partial close, else the position); a cancel
            // fills nothing.
            switch command.action {
            case .place: break
            case .close: report.filledQuantity = ack.filledQuantity ?? position?.quantity ?? 0
            case .cancel: report.filledQuantity = ack.filledQuantity ?? 0
            }
            let fills = command.action == .place
                ? (OrderReports.fill(command, ack: ack, reportedAt: report.reportedAt).map { [$0] } ?? []) : []
            logger.info("Order executed", metadata: ["order.status": "\(status.rawValue)", "venue.order.id": "\(ack.venueOrderID)"])
            return await self.finish(report, fills: fills, logger: logger)
        case .rejected(let reason):
            logger.info("Venue refused the order", metadata: ["reason.code": "\(reason.code)", "reason.venue.code": "\(reason.venueCode ?? "-")"])
            return await self.finish(OrderReports.final(command, status: .rejected, times: times, reason: reason), logger: logger)
        case .unknown(let reason):
            // Published at once, so downstream knows; the venue's lane waits until the venue shows the outcome.
            logger.warning("Outcome unknown; settling against the venue", metadata: ["reason.code": "\(reason.code)"])
            guard await self.publisher.report(OrderReports.inDoubt(command, times: times, reason: reason)) else { return false }
            let entry = self.journal.inDoubtEntry(command.commandId)
                ?? OrderJournal.InDoubt(command: command, executor: self.instanceID, recordedAt: times.sentAt!)
            guard let (report, fills) = await self.settler.settle(entry, session: session, times: times) else { return false }
            return await self.finish(report, fills: fills, logger: logger)
        }
    }

    private func preTradeRefusal(_ command: OrderCommand, session: VenueConnection) async -> (OrderStatus, Reason)? {
        var price: Decimal?
        if command.action == .place, session.definition.limits.maxNotional != nil, command.limitPrice == nil,
            command.stopPrice == nil, let symbol = command.symbol, let side = command.side
        {
            price = await session.referencePrice(symbol, side)
        }
        let context = PreTradeContext(
            venues: [command.venue: session.definition],
            capabilities: [command.venue: (session.gateway.capabilities, session.rules)],
            halted: self.halts.haltedScopes, referencePrice: { [price] _, _ in price })
        if case .refuse(let status, let reason) = PreTradeChecks.evaluate(command, context: context) { return (status, reason) }
        return nil
    }

    private func call(_ command: OrderCommand, session: VenueConnection, position: VenueOpenOrder?) async -> VenueOrderOutcome {
        switch command.action {
        case .place:
            guard let symbol = command.symbol, let side = command.side, let quantity = command.quantity else {
                return .rejected(Reason(code: "invalid_command", message: "place needs symbol, side and quantity"))
            }
            return await session.gateway.place(
                Self.placeRequest(command, symbol: symbol, side: side, quantity: quantity, session: session))
        case .close:
            guard let id = command.venueOrderId else {
                return .rejected(Reason(code: "invalid_command", message: "close needs venueOrderId"))
            }
            // Closing exactly the open quantity is a full close.
            let quantity = command.quantity == position?.quantity ? nil : command.quantity
            return await session.gateway.close(
                venueOrderID: id, quantity: quantity, idempotencyKey: command.commandId.uuidString.lowercased())
        case .cancel:
            guard let id = command.venueOrderId else {
                return .rejected(Reason(code: "invalid_command", message: "cancel needs venueOrderId"))
            }
            return await session.gateway.cancel(venueOrderID: id, idempotencyKey: command.commandId.uuidString.lowercased())
        }
    }

    /// The venue request of a place command (the same for the call and for finding it again).
    static func placeRequest(
        _ command: OrderCommand, symbol: String, side: OrderSide, quantity: Decimal, session: VenueConnection
    ) -> VenuePlaceRequest {
        VenuePlaceRequest(
            clientOrderID: command.clientOrderId, symbol: symbol, side: side, quantity: quantity,
            orderType: command.orderType ?? .market, price: command.limitPrice ?? command.stopPrice,
            stopLoss: command.stopLoss, takeProfit: command.takeProfit,
            extensions: command.extensions?[session.definition.protocol],
            idempotencyKey: command.commandId.uuidString.lowercased())
    }

    /// Settles every in-doubt intent of `venue` in the journal, oldest first; false when cut short by shutdown.
    private func settleInDoubt(venue: String, session: VenueConnection) async -> Bool {
        guard let gate = self.settlementGates[venue], !self.journal.inDoubtEntries(venue: venue).isEmpty else { return true }
        return await gate.run { await self.settleEach(venue: venue, session: session) }
    }

    private func settleEach(venue: String, session: VenueConnection) async -> Bool {
        for entry in self.journal.inDoubtEntries(venue: venue) {
            var logger = self.logger
            logger[metadataKey: "command.id"] = "\(entry.command.commandId.uuidString.lowercased())"
            logger[metadataKey: "venue.name"] = "\(venue)"
            logger.notice("Settling an intent left in doubt", metadata: ["journal.executor": "\(entry.executor)"])
            self.metrics.duplicate(venue: venue)
            let times = OrderTimes(receivedAt: entry.recordedAt)
            guard let (report, fills) = await self.settler.settle(entry, session: session, times: times),
                await self.finish(report, fills: fills, logger: logger)
            else { return false }
        }
        return true
    }

    /// Applies an operator's resolution of a final `unknown` outcome: the stated outcome becomes the command's
    /// final report (carrying `resolves`), journaled and published. Every instance applies it; the report is built
    /// only from the journal and the control command, so copies are identical (same `reportId`).
    func resolve(_ resolution: HaltSwitch.Resolution) async {
        await self.journal.waitUntilReplayed()
        let control = resolution.command
        guard let stated = control.resolution, case .venue(let venue) = control.scope else { return }
        var logger = self.logger
        logger[metadataKey: "command.id"] = "\(stated.commandId.uuidString.lowercased())"
        logger[metadataKey: "venue.name"] = "\(venue)"
        let refusal: DeadLetter.Failure?
        switch self.journal.entry(stated.commandId) {
        case .done(let report) where report.resolves != nil:
            logger.debug("Resolution already applied")
            return
        case .done(let report) where report.status == .unknown && report.isFinal && report.venue == venue:
            guard let resolved = OrderReports.resolved(report, by: control, stated: stated) else {
                refusal = .init(
                    code: "resolution_invalid",
                    message: "status \(stated.status.rawValue) does not finish a \(report.action.rawValue) command",
                    pointer: "/resolution/status")
                break
            }
            logger.notice("Operator resolution applied", metadata: [
                "order.status": "\(stated.status.rawValue)", "control.operator": "\(control.operator)",
            ])
            guard await OrderPublisher.retrying(logger, "journal", { try await self.journal.recordDone(resolved.0) }) else { return }
            if await self.publisher.report(resolved.0, fills: resolved.1) {
                self.metrics.orderFinished(venue: venue, outcome: resolved.0.status.rawValue)
            }
            return
        case .done(let report):
            refusal = .init(
                code: "not_in_doubt",
                message: "the command's final report is \(report.status.rawValue) at venue \(report.venue); only a final unknown can be resolved",
                pointer: "/resolution/commandId")
        case .intent:
            refusal = .init(
                code: "still_settling", message: "the command is still being settled against the venue; try again when its final report is out",
                pointer: "/resolution/commandId")
        case nil:
            refusal = .init(code: "unknown_command", message: "no executor journaled this command", pointer: "/resolution/commandId")
        }
        guard let refusal, resolution.isLive else { return }
        logger.warning("Operator resolution refused", metadata: ["error.code": "\(refusal.code)"])
        let letter = DeadLetter(
            original: resolution.origin, payload: resolution.payload, error: refusal, commandId: control.commandId,
            service: "order-executor", deadLetteredAt: .now())
        _ = await self.publisher.deadLetter(letter, key: resolution.origin.key, report: nil)
    }

    /// Journals the outcome, then publishes it.
    private func finish(_ report: ExecutionReport, fills: [Fill] = [], logger: Logger) async -> Bool {
        guard await OrderPublisher.retrying(logger, "journal", { try await self.journal.recordDone(report) }) else { return false }
        self.crashPoints.reach(.afterOutcome)
        guard await self.publisher.report(report, fills: fills) else { return false }
        self.crashPoints.reach(.afterReport)
        self.metrics.orderFinished(venue: report.venue, outcome: report.status.rawValue)
        self.metrics.recordLatency(
            venue: report.venue, stage: "total", report.receivedAt.date.durationUntil(Date()))
        return true
    }
}

extension Date {
    /// The time from this date to `later` (zero if `later` is earlier).
    func durationUntil(_ later: Date) -> Duration {
        .nanoseconds(Int64(max(0, later.timeIntervalSince(self)) * 1e9))
    }
}
