import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// Plain HTTP on the cTrader port: `GET|POST /apps/token` is the token endpoint (see `CTraderSimulator+OAuth`);
/// `/` without a WebSocket upgrade is 426 `Upgrade Required`; every other path is 404 (simulator choices,
/// unverified). Each request is logged (the secrets of a token request's query are redacted).
struct CTraderResponder: HTTPResponder {
    typealias Context = VenueRequestContext

    let venue: CTraderSimulator

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        let ticket = self.venue.requestLog.begin(
            method: method.rawValue, path: path, query: request.uri.query.map(CTraderSimulator.redacted))
        let answer: (status: Int, contentType: String, body: String)
        if path == CTraderSimulator.tokenPath, method == .get || method == .post {
            let outcome = await self.venue.tokenRequest(query: request.uri.query) {
                let buffer = try await request.body.collect(upTo: CTraderSimulator.maxMessageSize)
                return String(buffer: buffer)
            }
            guard let outcome else {
                self.venue.requestLog.complete(ticket, status: 0)
                // Close first: the response returned below can then never be written.
                try? await context.channel.close()
                return Response(status: .internalServerError)
            }
            answer = (outcome.status, "application/json; charset=utf-8", outcome.body)
        } else if path == CTraderSimulator.tokenPath {
            answer = (405, "text/plain; charset=utf-8", "Method Not Allowed")
        } else if path == CTraderSimulator.endpointPath {
            answer = (426, "text/plain; charset=utf-8", "WebSocket upgrade required")
        } else {
            answer = (404, "text/plain; charset=utf-8", "Not Found")
        }
        self.venue.requestLog.complete(ticket, status: answer.status)
        return Response(
            status: .init(code: answer.status), headers: [.contentType: answer.contentType],
            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
}

extension CTraderSimulator {
    /// The WebSocket endpoint (exact match; any query is ignored).
    static let endpointPath = "/"

    /// Decides a WebSocket upgrade: `/` is upgraded; any other path is refused with 404. The upgrade request is
    /// logged (101 or 404).
    func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel
    ) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let target = head.path ?? "/"
        let mark = target.firstIndex(of: "?")
        let path = mark.map { String(target[..<$0]) } ?? target
        let query = mark.map { String(target[target.index(after: $0)...]) }
        let ticket = self.requestLog.begin(method: head.method.rawValue, path: path, query: query.map(Self.redacted))
        guard path == Self.endpointPath else {
            self.requestLog.complete(ticket, status: 404)
            await UpgradeRefusalHandler.install(on: channel, mode: .respond(status: 404, body: "Not Found"))
            return .dontUpgrade
        }
        self.requestLog.complete(ticket, status: 101)
        return .upgrade([:]) { inbound, outbound, _ in
            try await self.runConnection(channel: channel, inbound: inbound, outbound: outbound)
        }
    }

    /// Serves one connection until the client leaves, the heartbeat timeout or a fault closes it, or graceful
    /// shutdown. One loop handles every event in order (answers, events and heartbeats never interleave); a reader
    /// task turns messages into events and a timer task paces heartbeats, spots and the timeout check. Returning
    /// lets hummingbird-websocket send the close frame (1000); an error from the reader (a fragmented message over
    /// 64 KiB: 1009, invalid UTF-8: 1007) is rethrown so that the close frame carries its code. A single frame over
    /// 64 KiB never gets here: the WebSocket decoder answers it with a 1009 close frame and closes the connection.
    private func runConnection(
        channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        let (events, continuation) = AsyncStream.makeStream(of: CTraderConnectionEvent.self)
        let id = self.connections.register(channel: channel, events: continuation)
        defer {
            continuation.finish()
            self.connections.unregister(id)
        }
        var session = CTraderSession(id: id, heartbeatInterval: self.configuration.serverHeartbeatInterval)
        let housekeeping = min(
            self.configuration.heartbeatTimeout / 10, self.configuration.serverHeartbeatInterval / 10,
            .milliseconds(100))
        let period = max(.milliseconds(1), min(self.tickInterval, housekeeping))
        let timerPending = CTraderTimerFlag()
        let (inboundErrors, inboundError) = AsyncStream.makeStream(
            of: (any Error).self, bufferingPolicy: .bufferingNewest(1))
        var failure: (any Error)?
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: Self.maxMessageSize) {
                        switch message {
                        case .text(let text): continuation.yield(.frame(text))
                        case .binary(let buffer): continuation.yield(.frame(String(buffer: buffer)))
                        }
                    }
                } catch {
                    if !(error is CancellationError) { inboundError.yield(error) }
                }
                inboundError.finish()
                continuation.yield(.inboundEnded)
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    if timerPending.set() { continuation.yield(.timer) }
                }
            }
            await withGracefulShutdownHandler {
                for await event in events {
                    if case .timer = event { timerPending.clear() }
                    guard await self.handle(event, session: &session, channel: channel, outbound: outbound) else {
                        if case .inboundEnded = event {
                            for await error in inboundErrors { failure = error }
                        }
                        break
                    }
                }
            } onGracefulShutdown: {
                continuation.yield(.shutdown)
            }
            group.cancelAll()
        }
        if let failure { throw failure }
    }

    /// Handles one event; `false` ends the connection.
    ///
    /// Heartbeats (simulator choices, unverified where protocols.md §5.3 is silent): any frame from the client resets
    /// the idle timer; after ``CTraderSimulatorConfiguration/heartbeatTimeout`` without one the server closes the
    /// connection with a close frame (1000). The server sends 51 every
    /// ``CTraderSimulatorConfiguration/serverHeartbeatInterval`` whatever else it sends.
    private func handle(
        _ event: CTraderConnectionEvent, session: inout CTraderSession, channel: any Channel,
        outbound: WebSocketOutboundWriter
    ) async -> Bool {
        switch event {
        case .inboundEnded, .shutdown:
            return false
        case .push(let frames):
            return await self.send(frames, outbound)
        case .timer:
            let now = ContinuousClock.now
            if now - session.lastReceived >= self.configuration.heartbeatTimeout {
                self.connections.countHeartbeatClosure()
                self.logger.debug(
                    "cTrader connection silent, closing", metadata: ["ctrader.connection": "\(session.id)"])
                return false
            }
            var frames: [String] = []
            if now >= session.nextHeartbeat {
                frames.append(CTraderEnvelope.heartbeat)
                session.nextHeartbeat = now + self.configuration.serverHeartbeatInterval
            }
            if now >= session.nextSpots {
                session.nextSpots += self.tickInterval
                if session.nextSpots <= now { session.nextSpots = now + self.tickInterval }
                frames += self.pushSpots(session: &session)
            }
            return await self.send(frames, outbound)
        case .frame(let text):
            self.record(received: text)
            session.lastReceived = .now
            switch await self.respond(to: text, session: &session) {
            case .frames(let frames):
                return await self.send(frames, outbound)
            case .drop:
                try? await channel.close()
                return false
            }
        }
    }

    /// Writes `frames` in order and records them; `false` when the socket is gone.
    private func send(_ frames: [String], _ outbound: WebSocketOutboundWriter) async -> Bool {
        do {
            for frame in frames {
                try await outbound.write(.text(frame))
                self.record(sent: frame)
            }
            return true
        } catch {
            return false
        }
    }

    /// The 2131 SpotEvents due on one price step, one per subscription whose quote changed since the last one sent:
    /// a side that did not change is omitted (simulator choice, unverified; clients keep the last one). Subscriptions
    /// of accounts no longer authorized on the connection are dropped first. Spot events do not count against the
    /// rate limit and are not in the request log.
    private func pushSpots(session: inout CTraderSession) -> [String] {
        guard !session.spots.isEmpty else { return [] }
        let accounts = self.connections.accounts(on: session.id)
        let before = session.spots.count
        session.spots.removeAll { !accounts.contains($0.account) }
        if session.spots.count != before {
            self.connections.setSpotSubscriptions(session.spots.count, of: session.id)
        }
        var frames: [String] = []
        for index in session.spots.indices {
            if let frame = self.spotEvent(&session.spots[index], first: false) { frames.append(frame) }
        }
        return frames
    }

    /// The 2131 of `subscription` at the current quote (both sides when `first`), or `nil` when nothing changed.
    func spotEvent(_ subscription: inout CTraderSpotSubscription, first: Bool) -> String? {
        guard let quote = self.market.quote(symbolID: subscription.symbolID) else { return nil }
        let bid = CTraderQuote.wire(quote.bid)
        let ask = CTraderQuote.wire(quote.ask)
        let newBid = first || bid != subscription.lastBid
        let newAsk = first || ask != subscription.lastAsk
        guard newBid || newAsk else { return nil }
        var payload: [(String, OrderedJSON)] = [
            ("ctidTraderAccountId", .int(subscription.account)), ("symbolId", .int(subscription.symbolID)),
        ]
        if newBid { payload.append(("bid", .int(bid))) }
        if newAsk { payload.append(("ask", .int(ask))) }
        if subscription.withTimestamp { payload.append(("timestamp", .int(Date().cTraderMilliseconds))) }
        subscription.lastBid = bid
        subscription.lastAsk = ask
        return CTraderEnvelope.frame(CTraderPayloadType.spotEvent, payload)
    }
}
