import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

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

extension CTraderSimulator: WebSocketEndpointFace {
    /// The WebSocket endpoint (exact match; any query is ignored).
    static let endpointPath = "/"

    /// The open connections.
    var connectionRegistry: WebSocketConnectionRegistry<CTraderConnectionState, [String]> {
        self.connections.registry
    }

    /// Often enough for price steps, heartbeats and the heartbeat timeout.
    var connectionTimerPeriod: Duration {
        WebSocketConnectionLoop.timerPeriod(
            tickInterval: self.tickInterval,
            shortestTimeout: min(self.configuration.heartbeatTimeout, self.configuration.serverHeartbeatInterval))
    }

    /// The query with the values of secret parameters redacted.
    static func loggedQuery(_ query: String) -> String {
        Self.redacted(query)
    }

    /// A fresh session: no spot subscriptions, the first heartbeat due after one interval.
    func makeSession(id: Int, query: String?) -> CTraderSession {
        CTraderSession(
            id: id, heartbeatInterval: self.configuration.serverHeartbeatInterval, tickInterval: self.tickInterval)
    }

    /// Handles one event; `false` ends the connection.
    ///
    /// Heartbeats (simulator choices, unverified where protocols.md §5.3 is silent): any frame from the client resets
    /// the idle timer; after ``CTraderSimulatorConfiguration/heartbeatTimeout`` without one the server closes the
    /// connection with a close frame (1000). The server sends 51 every
    /// ``CTraderSimulatorConfiguration/serverHeartbeatInterval`` whatever else it sends.
    func handle(
        _ event: WebSocketConnectionEvent<[String]>, session: inout CTraderSession, channel: any Channel,
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
            if session.spotPushes.isDue(at: now) {
                frames += self.pushSpots(session: &session)
            }
            return await self.send(frames, outbound)
        case .message(let text):
            self.received.record(text)
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
        await outbound.write(texts: frames, onSent: self.sent.record)
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
