import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

extension CPluginSimulator {
    /// Largest WebSocket message (and hub record) read: ASP.NET Core's `MaximumReceiveMessageSize`, 32 KiB.
    static let maxHubMessageSize = 32 * 1_024

    /// `POST /hubs/mt4/v1/negotiate[?negotiateVersion=N]` (protocols.md §2.7).
    ///
    /// The bearer token comes from `Authorization` or the `access_token` query parameter (401 as for REST without
    /// one). Without `negotiateVersion` the answer is version 0 (`connectionId` only, which the WebSocket then
    /// names); a version above 1 is answered as 1; a non-integer or negative version is a 200 `{"error":…}`, as
    /// ASP.NET Core answers. Only the WebSockets transport is offered.
    func negotiate(_ request: CPluginRequest) -> CPluginResponse {
        guard self.authenticate(request, allowQuery: true) != nil else { return .invalidToken }
        var version = 0
        if let text = request.queryParameter("negotiateVersion") {
            guard let requested = Int(text) else {
                let message = "The client requested a non-integer protocol version."
                return .json(200, OrderedJSON.object([("error", .string(message))]).text)
            }
            guard requested >= 0 else {
                let message =
                    "The client requested version '\(requested)', but the server does not support this version."
                return .json(200, OrderedJSON.object([("error", .string(message))]).text)
            }
            version = min(requested, 1)
        }
        let (connectionID, token) = self.hub.negotiate(version: version)
        var members: [(String, OrderedJSON)] = [
            ("negotiateVersion", .int(Int64(version))), ("connectionId", .string(connectionID)),
        ]
        if let token { members.append(("connectionToken", .string(token))) }
        members.append(
            ("availableTransports", .array([
                .object([
                    ("transport", .string("WebSockets")),
                    ("transferFormats", .array([.string("Text"), .string("Binary")])),
                ])
            ])))
        return .json(200, OrderedJSON.object(members).text)
    }

    /// `/hubs/mt4/v1` without a WebSocket upgrade (or a refused upgrade): ASP.NET Core's dispatcher answers a
    /// missing token with 401, a missing `id` with 400 "Connection ID required", an unknown one with 404 "No
    /// Connection with that ID", and a GET on a live id with 404 because long polling is not offered. Other methods
    /// are 405. A valid WebSocket request becomes ``CPluginOutcome/upgrade(connectionID:token:)``; an `id` whose
    /// socket is open is 409 with no body.
    func hubEndpoint(_ request: CPluginRequest) -> CPluginOutcome {
        guard request.method == "GET" else { return .respond(.text(405, "")) }
        guard self.authenticate(request, allowQuery: true) != nil else { return .respond(.invalidToken) }
        let token = request.queryParameter("id").flatMap { $0.isEmpty ? nil : $0 }
        guard request.isWebSocketUpgrade else {
            guard let token else { return .respond(.text(400, "Connection ID required")) }
            guard self.hub.isPending(token) else { return .respond(.text(404, "No Connection with that ID")) }
            return .respond(.text(404, "LongPolling transport not supported by this end point type"))
        }
        switch self.hub.claim(token: token) {
        case .claimed(let connectionID): return .upgrade(connectionID: connectionID, token: token)
        case .notFound: return .respond(.text(404, "No Connection with that ID"))
        case .inUse: return .respond(.text(409, ""))
        }
    }

    /// Decides a WebSocket upgrade. hummingbird-websocket answers every refused upgrade with an empty 400; to give
    /// the venue's real answer (401, 404, 409, injected errors) the refusal installs ``UpgradeRefusalHandler``.
    func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel
    ) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let target = head.path ?? "/"
        let path: String
        let query: String?
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            (path, query) = (target, nil)
        }
        let request = CPluginRequest(
            method: head.method.rawValue, path: path, query: query, headers: head.headerFields,
            authority: head.authority, isWebSocketUpgrade: true, channel: channel)
        let ticket = self.requestLog.begin(method: request.method, path: path, query: query)
        let outcome = await self.process(request) { [] }
        switch outcome {
        case .upgrade(let connectionID, let token):
            self.requestLog.complete(ticket, status: 101)
            return .upgrade([:]) { inbound, outbound, _ in
                await self.runHubConnection(
                    connectionID: connectionID, token: token, channel: channel, inbound: inbound, outbound: outbound)
            }
        case .respond(let response):
            self.requestLog.complete(ticket, status: response.status)
            var headers: [(String, String)] = []
            for field in response.headers { headers.append((field.name.rawName, field.value)) }
            await UpgradeRefusalHandler.install(
                on: channel, mode: .respond(status: response.status, body: response.body, headers: headers))
            return .dontUpgrade
        case .drop:
            await UpgradeRefusalHandler.install(on: channel, mode: .drop)
            return .dontUpgrade
        }
    }

    /// Serves one hub connection until the client leaves, a timeout or protocol error closes it, the socket is
    /// dropped, or graceful shutdown. One loop handles every event in order (so writes never interleave); a reader
    /// task turns WebSocket messages into events and a timer task paces ticks, keep-alive pings and timeouts.
    /// Returning lets hummingbird-websocket send the close frame.
    private func runHubConnection(
        connectionID: String, token: String?, channel: any Channel, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async {
        let (events, continuation) = AsyncStream.makeStream(of: CPluginHubEvent.self)
        let socketID = self.hub.register(channel: channel, events: continuation)
        defer {
            continuation.finish()
            self.hub.unregister(socketID, token: token)
        }
        var session = CPluginHubSession(
            connectionID: connectionID, configuration: self.configuration, tickInterval: self.tickInterval)
        let period = session.timerPeriod
        let timerPending = CPluginHubTimerFlag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: Self.maxHubMessageSize) {
                        switch message {
                        case .text(let text): continuation.yield(.message(text))
                        case .binary(let buffer): continuation.yield(.message(String(buffer: buffer)))
                        }
                    }
                } catch {}
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
                    let proceed = await self.handle(event, session: &session, outbound: outbound)
                    if !proceed { break }
                }
            } onGracefulShutdown: {
                continuation.yield(.shutdown)
            }
            group.cancelAll()
        }
        self.logger.debug("Hub connection ended", metadata: ["hub.connection": "\(connectionID)"])
    }
}
