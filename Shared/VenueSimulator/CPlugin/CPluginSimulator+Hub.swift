import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

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
    ) async -> WebSocketFace.UpgradeDecision {
        let (path, query) = WebSocketFace.split(target: head.path ?? "/")
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

    /// Serves one hub connection (see ``WebSocketConnectionLoop``) until the client leaves, a timeout or protocol error
    /// closes it, the socket is dropped, or graceful shutdown. The timer paces ticks, keep-alive pings and timeouts.
    /// Returning lets hummingbird-websocket send the close frame (also after an error reading the client's messages).
    private func runHubConnection(
        connectionID: String, token: String?, channel: any Channel, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async {
        defer { self.hub.release(token: token) }
        let session = CPluginHubSession(
            connectionID: connectionID, configuration: self.configuration, tickInterval: self.tickInterval)
        try? await WebSocketConnectionLoop.run(
            channel: channel, registry: self.hub.sockets, inbound: inbound,
            maxMessageSize: Self.maxHubMessageSize, timerPeriod: session.timerPeriod, makeSession: { _ in session }
        ) { event, session in
            await self.handle(event, session: &session, outbound: outbound)
        }
        self.logger.debug("Hub connection ended", metadata: ["hub.connection": "\(connectionID)"])
    }
}
