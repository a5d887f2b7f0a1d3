import Foundation
import Hummingbird
import Logging
import NIOCore

/// The parts of a request the venue looks at (shared by plain HTTP and WebSocket upgrades).
struct CPluginRequest: Sendable {
    var method: String
    var path: String
    var query: String?
    var headers: HTTPFields
    /// The `Host` header (HTTP/1.1 moves it into the request's authority).
    var authority: String?
    var isWebSocketUpgrade: Bool
    /// The connection; a withheld response ends early when it closes.
    var channel: any Channel

    /// The first value of the header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.name.canonicalName == wanted }?.value
    }

    /// The first value of the query parameter `name`, decoded (`+` is a space); names compare case-insensitively,
    /// as ASP.NET Core's query collection does.
    func queryParameter(_ name: String) -> String? {
        guard let query = self.query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.decode(parts[0]).lowercased() == name.lowercased() else { continue }
            return parts.count > 1 ? Self.decode(parts[1]) : ""
        }
        return nil
    }

    /// `application/x-www-form-urlencoded` and query decoding: `+` is a space, then percent escapes.
    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

/// What the venue does with one request.
enum CPluginOutcome: Sendable {
    /// Answer.
    case respond(CPluginResponse)
    /// Close the connection without any response.
    case drop
    /// Accept a WebSocket upgrade onto the hub as the connection `connectionID` (negotiated under `token`, if any).
    case upgrade(connectionID: String, token: String?)
}

/// Hummingbird responder of the CPlugin venue: logs the request, applies faults, routes it.
struct CPluginResponder: HTTPResponder {
    typealias Context = VenueRequestContext

    let venue: CPluginSimulator

    func respond(to request: Request, context: Context) async throws -> Response {
        let parsed = CPluginRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: request.headers, authority: request.head.authority, isWebSocketUpgrade: false,
            channel: context.channel)
        let ticket = self.venue.requestLog.begin(method: parsed.method, path: parsed.path, query: parsed.query)
        let outcome = await self.venue.process(parsed) {
            let buffer = try await request.body.collect(upTo: CPluginSimulator.maxBodySize)
            return Array(buffer.readableBytesView)
        }
        switch outcome {
        case .respond(let response):
            self.venue.requestLog.complete(ticket, status: response.status)
            return Response(
                status: .init(code: response.status), headers: response.headers,
                body: .init(byteBuffer: ByteBuffer(string: response.body)))
        case .drop, .upgrade:
            // Close first: the response returned below can then never be written.
            try? await context.channel.close()
            return Response(status: .internalServerError)
        }
    }
}

extension CPluginSimulator {
    /// Applies the fault settings, then routes the request. `body` reads the request body.
    ///
    /// An injected error is an infrastructure failure: the configured status with an empty body, never an envelope.
    func process(_ request: CPluginRequest, body: () async throws -> [UInt8]) async -> CPluginOutcome {
        await self.faults.handle(drop: .drop, error: { .respond(.empty($0)) }) {
            await self.route(request, body: body)
        }
    }

    /// ASP.NET Core endpoint routing: literal segments match case-insensitively, a trailing slash is ignored, an
    /// unknown path is 404 and a known path with another method 405 (both without body, before authentication).
    private func route(_ request: CPluginRequest, body: () async throws -> [UInt8]) async -> CPluginOutcome {
        var segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { CPluginRequest.decode($0) }
        if segments.count > 1, segments.last == "" { segments.removeLast() }
        let lowered = segments.map { $0.lowercased() }

        func allow(_ method: String) -> CPluginOutcome? {
            request.method == method ? nil : .respond(.empty(405, headers: [.allow: method]))
        }

        switch lowered {
        case [".well-known", "openid-configuration"]:
            return allow("GET") ?? .respond(self.discoveryDocument(request))
        case ["connect", "token"]:
            if let refusal = allow("POST") { return refusal }
            return .respond(await self.issueToken(request, body: body))
        case ["hubs", "mt4", "v1", "negotiate"]:
            if request.method != "POST" { return .respond(.text(405, "")) }
            return .respond(self.negotiate(request))
        case ["hubs", "mt4", "v1"]:
            return self.hubEndpoint(request)
        default:
            break
        }
        guard lowered.count >= 5, lowered[0] == "api", lowered[1] == "v2", lowered[2] == "mt4",
            var endpoint = CPluginEndpoint(lowered[4], parameters: Array(segments.dropFirst(5)))
        else { return .respond(.empty(404)) }
        if let refusal = allow(endpoint.method) { return refusal }
        guard let clientID = self.authenticate(request) else { return .respond(.invalidToken) }
        let platformKnown = UUID(uuidString: segments[3]).map {
            $0 == UUID(uuidString: self.configuration.tradePlatform)
        } ?? false
        if case .tradesGet = endpoint {
            endpoint = .tradesGet(limit: request.queryParameter("limit"), cursor: request.queryParameter("cursor"))
        }
        if case .tradeTransaction = endpoint {
            return await self.tradeTransaction(
                request, platformKnown: platformKnown, platform: segments[3], clientID: clientID, body: body)
        }
        guard platformKnown else {
            let error = CPluginAPIError.notFound("Trade platform '\(segments[3])' was not found.")
            return .respond(.json(200, CPluginEnvelope.failure(error)))
        }
        switch self.read(endpoint) {
        case .success(let answer):
            return .respond(.json(200, CPluginEnvelope.success(answer.data, paging: answer.paging)))
        case .failure(let error): return .respond(.json(200, CPluginEnvelope.failure(error)))
        }
    }

    /// The client id of the request's bearer token (`Authorization: Bearer <token>`, the scheme case-insensitive), or
    /// `nil` when it is missing, unknown, expired or revoked. With `allowQuery`, an `access_token` query parameter
    /// (the SignalR clients' way) takes precedence over the header.
    func authenticate(_ request: CPluginRequest, allowQuery: Bool = false) -> String? {
        if allowQuery, let token = request.queryParameter("access_token") {
            return self.tokens.clientID(of: token)
        }
        guard let header = request.header("authorization") else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return self.tokens.clientID(of: parts[1].trimmingCharacters(in: .whitespaces))
    }
}

/// The v2 REST endpoints the simulator serves (after `/api/v2/MT4/{tradePlatform}/`), with their path parameters.
enum CPluginEndpoint: Sendable {
    case serverTime
    case tradeTransaction
    /// `limit` and `cursor` query parameters, when given.
    case tradesGet(limit: String?, cursor: String?)
    case tradesGetTicket(String)
    case tradesGetByLogin(login: String, group: String)
    case tradeRecordGet(String)
    case marginLevelGet(String)
    case userRecordGet(String)
    case tickInfoLast(String?)

    /// Parses the endpoint name (lower-cased) and its parameters; `nil` for an unknown route.
    init?(_ name: String, parameters: [String]) {
        switch (name, parameters.count) {
        case ("servertime", 0): self = .serverTime
        case ("tradetransaction", 0): self = .tradeTransaction
        case ("tradesget", 0): self = .tradesGet(limit: nil, cursor: nil)
        case ("tradesget", 1): self = .tradesGetTicket(parameters[0])
        case ("tradesgetbylogin", 2): self = .tradesGetByLogin(login: parameters[0], group: parameters[1])
        case ("traderecordget", 1): self = .tradeRecordGet(parameters[0])
        case ("marginlevelget", 1): self = .marginLevelGet(parameters[0])
        case ("userrecordget", 1): self = .userRecordGet(parameters[0])
        case ("tickinfolast", 0): self = .tickInfoLast(nil)
        case ("tickinfolast", 1): self = .tickInfoLast(parameters[0])
        default: return nil
        }
        if parameters.contains(where: \.isEmpty) { return nil }
    }

    /// The one method the endpoint answers.
    var method: String {
        if case .tradeTransaction = self { "POST" } else { "GET" }
    }
}
