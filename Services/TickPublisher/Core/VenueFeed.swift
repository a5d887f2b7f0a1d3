import Foundation
import KafkaBridge
import Logging
import Messages
import Prometheus
import ServiceRuntime
import ServiceSupport
import Synchronization
import VenueKit

/// One venue's market data: a supervised stream per subscribed symbol (the protocol module reconnects with backoff
/// and jitter, and resubscribes), ticks numbered per `venue:symbol`, and the feed's health published on
/// `venues.status` whenever it changes — so a consumer can tell a quiet market from a dead feed.
final class VenueFeed: Sendable {
    let venue: String
    private let connection: VenueConnection
    private let sink: TickSink
    private let staleAfter: Duration
    private let reportedBy: String
    private let health: HealthBoard
    private let logger: Logger
    private let ticks: Counter
    private let state = Mutex(State())
    private let commands: AsyncStream<Command>
    private let input: AsyncStream<Command>.Continuation

    private enum Command {
        case subscribe(Set<String>)
        case unsubscribe(Set<String>)
    }

    private struct SymbolState {
        var since: ContinuousClock.Instant
        var isUp = false
        var lastQuote: ContinuousClock.Instant?
        var downReason: String?
    }

    private struct State {
        var seq: [String: Int64] = [:]
        var symbols: [String: SymbolState] = [:]
        var published: VenueConnectionState?
    }

    init(
        connection: VenueConnection, sink: TickSink, staleAfter: Duration, reportedBy: String, health: HealthBoard,
        logger: Logger
    ) {
        self.venue = connection.definition.id
        self.connection = connection
        self.sink = sink
        self.staleAfter = staleAfter
        self.reportedBy = reportedBy
        self.health = health
        var logger = logger
        logger[metadataKey: "venue.name"] = "\(connection.definition.id)"
        self.logger = logger
        self.ticks = sink.metrics.ticksCounter(venue: connection.definition.id)
        (self.commands, self.input) = AsyncStream.makeStream(of: Command.self)
        let configured = connection.definition.symbols.isEmpty
            ? connection.rules.quoted : Set(connection.definition.symbols)
        self.input.yield(.subscribe(configured))
        health.set("feed:\(self.venue)", problem: "not connected yet")
    }

    /// Applies a run-time subscription command.
    func apply(_ command: MarketSubscription) async {
        let symbols = Set(command.symbols)
        self.logger.notice("Subscription changed", metadata: [
            "subscription.action": "\(command.action.rawValue)", "subscription.symbols": "\(command.symbols.joined(separator: ","))",
            "subscription.operator": "\(command.operator)",
        ])
        self.input.yield(command.action == .subscribe ? .subscribe(symbols) : .unsubscribe(symbols))
    }

    /// The symbols streamed now.
    var symbols: Set<String> { self.state.withLock { Set($0.symbols.keys) } }

    /// Runs the symbol streams and the staleness check until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchStaleness() }
            var running: [String: Task<Void, Never>] = [:]
            for await command in self.commands {
                switch command {
                case .subscribe(let symbols):
                    for symbol in symbols.sorted() where running[symbol] == nil {
                        self.state.withLock { $0.symbols[symbol] = SymbolState(since: .now) }
                        running[symbol] = Task { await self.stream(symbol) }
                    }
                case .unsubscribe(let symbols):
                    for symbol in symbols {
                        running.removeValue(forKey: symbol)?.cancel()
                        self.state.withLock { _ = $0.symbols.removeValue(forKey: symbol) }
                    }
                }
                await self.evaluate()
            }
            for task in running.values { task.cancel() }
            group.cancelAll()
        }
    }

    /// Stops accepting commands (the run loop ends).
    func finish() { self.input.finish() }

    private func stream(_ symbol: String) async {
        let key = "\(self.venue):\(symbol)"
        do {
            for try await event in self.connection.marketData.marketEvents(for: [symbol]) {
                switch event {
                case .quote(let quote):
                    // One lock per quote: the sequence number, the freshness, and whether the published state may change.
                    let (seq, mayChangeState) = self.state.withLock { state -> (Int64, Bool) in
                        let next = (state.seq[symbol] ?? 0) + 1
                        state.seq[symbol] = next
                        state.symbols[symbol]?.lastQuote = .now
                        return (next, state.published != .connected)
                    }
                    let tick = Tick(
                        venue: self.venue, symbol: symbol, bid: quote.bid, ask: quote.ask,
                        last: quote.last.flatMap { $0 > 0 ? $0 : nil },
                        venueTime: Timestamp(date: quote.venueTime ?? quote.receivedAt),
                        receivedAt: Timestamp(date: quote.receivedAt), seq: seq)
                    if await self.sink.publish(tick, key: key) { self.ticks.increment() }
                    if mayChangeState { await self.evaluate() }
                case .connected:
                    self.state.withLock { state in
                        state.symbols[symbol]?.isUp = true
                        state.symbols[symbol]?.downReason = nil
                    }
                case .disconnected(_, let reason):
                    self.state.withLock { state in
                        state.symbols[symbol]?.isUp = false
                        state.symbols[symbol]?.downReason = reason
                    }
                    await self.evaluate()
                }
            }
        } catch {
            self.logger.error("Market data stream ended", metadata: ["venue.symbol": "\(symbol)", "error": "\(error)"])
            self.state.withLock { state in
                state.symbols[symbol]?.isUp = false
                state.symbols[symbol]?.downReason = "the stream ended: \(error)"
            }
            await self.evaluate()
        }
    }

    private func watchStaleness() async {
        while !Task.isCancelled {
            await self.evaluate()
            try? await Task.sleep(for: self.staleAfter / 4)
        }
    }

    /// Computes the feed state and publishes it when it changed.
    private func evaluate() async {
        let now = ContinuousClock.now
        let decision = self.state.withLock { state -> (VenueConnectionState, Reason?)? in
            guard !state.symbols.isEmpty else { return nil }
            var down: [String] = []
            var stale: [String] = []
            var pending: [String] = []
            for (symbol, symbolState) in state.symbols {
                if let last = symbolState.lastQuote, symbolState.isUp || symbolState.downReason == nil {
                    if now - last > self.staleAfter { stale.append(symbol) }
                } else if symbolState.downReason != nil {
                    down.append(symbol)
                } else if now - symbolState.since > self.staleAfter {
                    stale.append(symbol)
                } else {
                    pending.append(symbol)
                }
            }
            let bad = (down + stale).sorted()
            let next: VenueConnectionState
            var reason: Reason?
            if bad.isEmpty {
                guard pending.isEmpty || state.published != nil else { return nil }
                if !pending.isEmpty { return nil }
                next = .connected
                if state.published != nil && state.published != .connected {
                    reason = Reason(code: "feed_recovered", message: "every subscribed symbol quotes again")
                }
            } else {
                next = bad.count == state.symbols.count ? .disconnected : .degraded
                let code = down.isEmpty ? "feed_stale" : "stream_down"
                let detail = down.isEmpty
                    ? "no quote within \(self.staleAfter) for \(bad.joined(separator: ", "))"
                    : "stream down for \(down.sorted().joined(separator: ", "))"
                        + (stale.isEmpty ? "" : "; no quote within \(self.staleAfter) for \(stale.sorted().joined(separator: ", "))")
                reason = Reason(code: code, message: detail)
            }
            guard next != state.published else { return nil }
            state.published = next
            return (next, reason)
        }
        guard let (status, reason) = decision else { return }
        self.health.set("feed:\(self.venue)", problem: status == .connected ? nil : reason?.message ?? status.rawValue)
        let message = VenueStatus(venue: self.venue, status: status, reason: reason, reportedBy: self.reportedBy, time: .now())
        if status == .connected {
            self.logger.notice("Feed connected", metadata: ["reason.code": "\(reason?.code ?? "-")"])
        } else {
            self.logger.warning("Feed unhealthy", metadata: ["venue.status": "\(status.rawValue)", "reason.code": "\(reason?.code ?? "-")"])
        }
        await self.sink.publish(message)
    }
}

/// Where ticks and statuses go: ticks are enqueued (batched by the producer's linger; delivery failures are counted
/// from the delivery reports), statuses are sent and awaited.
struct TickSink: Sendable {
    let producer: KafkaProducer
    let metrics: ServiceMetrics
    let logger: Logger

    func publish(_ tick: Tick, key: String) async -> Bool {
        let bytes: [UInt8]
        do {
            bytes = try tick.wireBytes()
        } catch {
            self.metrics.tickDropped(venue: tick.venue, reason: "invalid")
            return false
        }
        do {
            _ = try await self.producer.enqueue(KafkaProducerMessage(
                topic: TopicCatalogue.marketTicks.name, key: key, value: Data(bytes)))
            return true
        } catch {
            self.metrics.tickDropped(venue: tick.venue, reason: "kafka")
            return false
        }
    }

    func publish(_ status: VenueStatus) async {
        do {
            _ = try await self.producer.send(KafkaProducerMessage(
                topic: TopicCatalogue.venuesStatus.name, key: status.venue, value: try WireFormat.encode(status)))
        } catch {
            self.logger.error("Venue status not published", metadata: ["error": "\(error)"])
        }
    }

    /// Reads the delivery reports of enqueued ticks (required by ``KafkaProducer/enqueue(_:)``), counting failures.
    func drainDeliveryReports() async {
        for await report in self.producer.deliveryReports where !report.isAcknowledged {
            self.metrics.tickDropped(venue: "-", reason: "undelivered")
        }
    }
}
