import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP plumbing every venue face with WebSockets shares (cTrader, Deriv, CPlugin, MT4Server): its Hummingbird
/// application and request targets. See ``WebSocketEndpointFace`` for the faces with a single WebSocket endpoint.
enum WebSocketFace {
    /// What a face's `shouldUpgrade` decides.
    typealias UpgradeDecision = ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>

    /// The Hummingbird application of a face on `host:port`: `responder` answers plain HTTP and `shouldUpgrade`
    /// decides WebSocket upgrades, whose connections accept frames up to `maxFrameSize` bytes, get no automatic
    /// pings, and wait 1 s for the client's close frame. Calls `onListening` with the bound port once it accepts
    /// connections.
    static func makeApplication<Responder: HTTPResponder>(
        responder: Responder, host: String, port: Int, maxFrameSize: Int = 1 << 14, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void,
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel) async -> UpgradeDecision
    ) -> any Service where Responder.Context == VenueRequestContext {
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: maxFrameSize, autoPing: .disabled, closeTimeout: .seconds(1))
        return Application(
            responder: responder,
            server: .http1WebSocketUpgrade(configuration: .init(http1: .init(), ws: webSocket)) { head, channel, _ in
                await shouldUpgrade(head, channel)
            },
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// The path of a request target and its query (without `?`, `nil` when there is none), as the request log keeps
    /// them.
    static func split(target: String) -> (path: String, query: String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}

extension WebSocketOutboundWriter {
    /// Writes `texts` as text frames, in order, calling `onSent` after each; `false` when the socket is gone.
    func write(texts: [String], onSent: (String) -> Void = { _ in }) async -> Bool {
        do {
            for text in texts {
                try await self.write(.text(text))
                onSent(text)
            }
            return true
        } catch {
            return false
        }
    }
}
