import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// Plain HTTP on the Deriv port: every path but `/websockets/v3` is 404; `/websockets/v3` without a WebSocket
/// upgrade is 426 `Upgrade Required` (simulator choice, unverified). Each request is logged.
struct DerivResponder: HTTPResponder {
    typealias Context = VenueRequestContext

    let venue: DerivSimulator

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let ticket = self.venue.requestLog.begin(method: request.method.rawValue, path: path, query: request.uri.query)
        let isEndpoint = path == DerivSimulator.endpointPath
        let status: HTTPResponse.Status = isEndpoint ? .upgradeRequired : .notFound
        self.venue.requestLog.complete(ticket, status: status.code)
        let body = isEndpoint ? "WebSocket upgrade required" : "Not Found"
        return Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension DerivSimulator: WebSocketEndpointFace {
    /// The one WebSocket endpoint (exact match; a trailing slash is another path). It is upgraded whatever its
    /// `app_id` (a missing or invalid one is answered `InvalidAppID` on every request instead; simulator choice,
    /// unverified).
    static let endpointPath = "/websockets/v3"

    /// The open connections.
    var connectionRegistry: WebSocketConnectionRegistry<DerivConnectionState, Never> {
        self.connections.registry
    }

    /// Often enough for price steps and the idle timeout.
    var connectionTimerPeriod: Duration {
        WebSocketConnectionLoop.timerPeriod(
            tickInterval: self.tickInterval, shortestTimeout: self.configuration.idleTimeout)
    }

    /// A fresh session with the `app_id` of `query`, and no streams.
    func makeSession(id: Int, query: String?) -> DerivSession {
        DerivSession(id: id, appID: Self.appID(fromQuery: query), tickInterval: self.tickInterval)
    }

    /// The `app_id` of a query string when it is a positive integer (`l` and other parameters are ignored).
    static func appID(fromQuery query: String?) -> Int64? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "app_id", parts.count == 2 else { continue }
            let text = String(parts[1])
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(text), value > 0
            else { return nil }
            return value
        }
        return nil
    }

    /// Handles one event; `false` ends the connection.
    func handle(
        _ event: WebSocketConnectionEvent<Never>, session: inout DerivSession, channel: any Channel,
        outbound: WebSocketOutboundWriter
    ) async -> Bool {
        switch event {
        case .inboundEnded, .shutdown:
            return false
        case .timer:
            let now = ContinuousClock.now
            if now - session.lastReceived >= self.configuration.idleTimeout {
                self.connections.countIdleClosure()
                self.logger.debug("Deriv connection idle, closing", metadata: ["deriv.connection": "\(session.id)"])
                return false
            }
            guard session.pushes.isDue(at: now) else { return true }
            return await outbound.write(texts: self.pushStreams(session: &session))
        case .message(let text):
            self.received.record(text)
            session.lastReceived = .now
            switch await self.respond(to: text, session: &session) {
            case .frames(let frames):
                return await outbound.write(texts: frames)
            case .drop:
                try? await channel.close()
                return false
            }
        }
    }
}
