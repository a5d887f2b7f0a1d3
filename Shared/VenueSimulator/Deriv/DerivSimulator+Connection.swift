import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

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

extension DerivSimulator {
    /// The one WebSocket endpoint (exact match; a trailing slash is another path).
    static let endpointPath = "/websockets/v3"

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

    /// Decides a WebSocket upgrade: `/websockets/v3` is upgraded whatever its `app_id` (a missing or invalid one is
    /// answered `InvalidAppID` on every request instead; simulator choice, unverified); any other path is refused
    /// with 404. The upgrade request is logged (101 or 404), like every venue's upgrades.
    func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel
    ) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let target = head.path ?? "/"
        let mark = target.firstIndex(of: "?")
        let path = mark.map { String(target[..<$0]) } ?? target
        let query = mark.map { String(target[target.index(after: $0)...]) }
        let ticket = self.requestLog.begin(method: head.method.rawValue, path: path, query: query)
        guard path == Self.endpointPath else {
            self.requestLog.complete(ticket, status: 404)
            await UpgradeRefusalHandler.install(on: channel, mode: .respond(status: 404, body: "Not Found"))
            return .dontUpgrade
        }
        self.requestLog.complete(ticket, status: 101)
        let appID = Self.appID(fromQuery: query)
        return .upgrade([:]) { inbound, outbound, _ in
            try await self.runConnection(appID: appID, channel: channel, inbound: inbound, outbound: outbound)
        }
    }

    /// Serves one connection until the client leaves, the idle timeout or a fault closes it, or graceful shutdown.
    /// One loop handles every event in order (answers and stream pushes never interleave); a reader task turns
    /// messages into events and a timer task paces pushes and the idle check. Returning lets hummingbird-websocket
    /// send the close frame (1000); an error from the reader (a fragmented message over 64 KiB: 1009, invalid UTF-8:
    /// 1007) is rethrown so that the close frame carries its code. A single frame over 64 KiB never gets here: the
    /// WebSocket decoder answers it with a 1009 close frame and closes the connection.
    private func runConnection(
        appID: Int64?, channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        let (events, continuation) = AsyncStream.makeStream(of: DerivConnectionEvent.self)
        let id = self.connections.register(channel: channel, events: continuation)
        defer {
            continuation.finish()
            self.connections.unregister(id)
        }
        var session = DerivSession(id: id, appID: appID)
        let housekeeping = min(self.configuration.idleTimeout / 10, .milliseconds(100))
        let period = max(.milliseconds(1), min(self.tickInterval, housekeeping))
        let timerPending = DerivTimerFlag()
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
    private func handle(
        _ event: DerivConnectionEvent, session: inout DerivSession, channel: any Channel,
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
            guard now >= session.nextTick else { return true }
            session.nextTick += self.tickInterval
            if session.nextTick <= now { session.nextTick = now + self.tickInterval }
            let frames = self.pushStreams(session: &session)
            return await Self.send(frames, outbound)
        case .frame(let text):
            self.record(frame: text)
            session.lastReceived = .now
            switch await self.respond(to: text, session: &session) {
            case .frames(let frames):
                return await Self.send(frames, outbound)
            case .drop:
                try? await channel.close()
                return false
            }
        }
    }

    /// Writes `frames` in order; `false` when the socket is gone.
    static func send(_ frames: [String], _ outbound: WebSocketOutboundWriter) async -> Bool {
        do {
            for frame in frames { try await outbound.write(.text(frame)) }
            return true
        } catch {
            return false
        }
    }
}
