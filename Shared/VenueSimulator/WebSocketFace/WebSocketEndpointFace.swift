import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// A venue face that serves a JSON-over-WebSocket API on a single endpoint (cTrader, Deriv): plain HTTP and WebSocket
/// upgrades on one port, each upgraded connection served by a ``WebSocketConnectionLoop`` registered in
/// ``connectionRegistry``.
///
/// A conforming venue says what a connection's session is and how it handles the connection's events; its
/// application and upgrade decision come from here.
protocol WebSocketEndpointFace: SimulatedVenue {
    /// What the rest of the venue reaches of one connection (see ``WebSocketConnectionRegistry``).
    associatedtype ConnectionInfo: Sendable
    /// What the venue pushes to a connection from elsewhere (`Never` when nothing).
    associatedtype Push: Sendable
    /// The state of one connection that only its loop touches.
    associatedtype Session

    /// The WebSocket endpoint (exact match).
    static var endpointPath: String { get }
    /// Largest WebSocket frame and message accepted; a bigger one closes the connection with 1009 (a frame:
    /// swift-nio's decoder refuses it at its header; a fragmented message: when it grows past the limit).
    static var maxMessageSize: Int { get }
    /// The venue's logger.
    var logger: Logger { get }
    /// The open connections.
    var connectionRegistry: WebSocketConnectionRegistry<ConnectionInfo, Push> { get }
    /// How often each connection's timer fires (see
    /// ``WebSocketConnectionLoop/timerPeriod(tickInterval:shortestTimeout:floor:)``).
    var connectionTimerPeriod: Duration { get }

    /// The query of an upgrade request as the request log keeps it (secrets redacted); unchanged by default.
    static func loggedQuery(_ query: String) -> String

    /// The session of a new connection `id` whose upgrade request had `query`.
    func makeSession(id: Int, query: String?) -> Session

    /// Handles one event of a connection; `false` ends the connection.
    func handle(
        _ event: WebSocketConnectionEvent<Push>, session: inout Session, channel: any Channel,
        outbound: WebSocketOutboundWriter
    ) async -> Bool
}

extension WebSocketEndpointFace {
    /// The query unchanged.
    static func loggedQuery(_ query: String) -> String {
        query
    }

    /// The Hummingbird application of the face (see ``WebSocketFace``): `responder` answers plain HTTP,
    /// ``shouldUpgrade(_:channel:)`` decides upgrades, and frames up to ``maxMessageSize`` are accepted.
    func makeApplication<Responder: HTTPResponder>(
        responder: Responder, onListening: @escaping @Sendable (Int) -> Void
    ) -> any Service where Responder.Context == VenueRequestContext {
        WebSocketFace.makeApplication(
            responder: responder, host: self.host, port: self.port, maxFrameSize: Self.maxMessageSize,
            logger: self.logger, onListening: onListening,
            shouldUpgrade: { [self] head, channel in await self.shouldUpgrade(head, channel: channel) })
    }

    /// Decides a WebSocket upgrade: ``endpointPath`` is upgraded (whatever its query) and served by a
    /// ``WebSocketConnectionLoop`` until the client leaves, the face's timeouts or a fault close it, or graceful
    /// shutdown; any other path is refused with 404 `Not Found` (see ``UpgradeRefusalHandler``). The upgrade request
    /// is logged (101 or 404) with its query as ``loggedQuery(_:)`` gives it.
    func shouldUpgrade(_ head: HTTPRequest, channel: any Channel) async -> WebSocketFace.UpgradeDecision {
        let (path, query) = WebSocketFace.split(target: head.path ?? "/")
        let ticket = self.requestLog.begin(method: head.method.rawValue, path: path, query: query.map(Self.loggedQuery))
        guard path == Self.endpointPath else {
            self.requestLog.complete(ticket, status: 404)
            await UpgradeRefusalHandler.install(on: channel, mode: .respond(status: 404, body: "Not Found"))
            return .dontUpgrade
        }
        self.requestLog.complete(ticket, status: 101)
        let timerPeriod = self.connectionTimerPeriod
        return .upgrade([:]) { inbound, outbound, _ in
            try await WebSocketConnectionLoop.run(
                channel: channel, registry: self.connectionRegistry, inbound: inbound,
                maxMessageSize: Self.maxMessageSize, timerPeriod: timerPeriod,
                makeSession: { self.makeSession(id: $0, query: query) }
            ) { event, session in
                await self.handle(event, session: &session, channel: channel, outbound: outbound)
            }
        }
    }
}
