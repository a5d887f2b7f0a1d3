import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

extension MT4ServerSimulator {
    /// Decides a WebSocket upgrade of `/exchanges/{broker}/ticker?ticker=SYM`.
    ///
    /// hummingbird-websocket answers every refused upgrade with an empty 400; to give the venue's real
    /// answer (403, 500, …) the refusal installs ``UpgradeRefusalHandler``, which replaces that 400 on the wire.
    func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel
    ) async -> WebSocketFace.UpgradeDecision {
        let (path, query) = WebSocketFace.split(target: head.path ?? "/")
        let request = MT4ServerRequest(
            method: head.method.rawValue, path: path, query: query,
            authorization: head.headerFields[.authorization], isWebSocketUpgrade: true,
            channel: channel)
        let ticket = self.requestLog.begin(method: request.method, path: path, query: query)
        let outcome = await self.process(request) { [] }
        switch outcome {
        case .upgrade(let broker, let symbol):
            self.requestLog.complete(ticket, status: 101)
            return .upgrade([:]) { inbound, outbound, _ in
                try await self.streamTicker(
                    broker: broker, symbol: symbol, channel: channel, inbound: inbound, outbound: outbound)
            }
        case .respond(let status, let body):
            self.requestLog.complete(ticket, status: status)
            await UpgradeRefusalHandler.install(on: channel, mode: .respond(status: status, body: body))
            return .dontUpgrade
        case .drop:
            await UpgradeRefusalHandler.install(on: channel, mode: .drop)
            return .dontUpgrade
        }
    }

    /// Pushes a TickerData frame every tick interval until the client goes away, the stream is dropped
    /// or graceful shutdown starts. Frames from the client are read and ignored.
    private func streamTicker(
        broker: MT4ServerBroker, symbol: String, channel: any Channel, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async throws {
        let id = self.streams.add(channel)
        defer { self.streams.remove(id) }
        let interval = self.tickInterval
        let frames = self.configuration.framesPerPush
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await _ in inbound {}
            }
            group.addTask {
                try await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        // An unknown symbol gives the bridge-error frame: name "" and zeros.
                        for _ in 0..<frames {
                            let quote = self.market.quote(broker: broker, symbol: symbol)
                            try await outbound.writeTextMessage(MT4ServerWire.tickerJSON(quote).json)
                        }
                        try await Task.sleep(for: interval)
                    }
                }
            }
            _ = try? await group.next()
            group.cancelAll()
        }
    }
}
