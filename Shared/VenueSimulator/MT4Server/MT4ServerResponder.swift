import Foundation
import Hummingbird
import Logging
import NIOCore

/// The parts of a request the venue looks at (shared by plain HTTP and WebSocket upgrades).
struct MT4ServerRequest: Sendable {
    var method: String
    var path: String
    var query: String?
    var authorization: String?
    var isWebSocketUpgrade: Bool
    /// The connection; a withheld response ends early when it closes.
    var channel: any Channel
}

/// What the venue does with one request.
enum MT4ServerOutcome: Sendable {
    /// Answer with a `text/plain` body.
    case respond(status: Int, body: String)
    /// Close the connection without any response.
    case drop
    /// Accept a WebSocket upgrade streaming `symbol` of `broker`.
    case upgrade(broker: MT4ServerBroker, symbol: String)
}

/// Hummingbird responder of the MT4Server venue: logs the request, applies faults, routes it.
struct MT4ServerResponder: HTTPResponder {
    typealias Context = VenueRequestContext

    let venue: MT4ServerSimulator

    func respond(to request: Request, context: Context) async throws -> Response {
        let parsed = MT4ServerRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            authorization: request.headers[.authorization], isWebSocketUpgrade: false,
            channel: context.channel)
        let ticket = self.venue.requestLog.begin(method: parsed.method, path: parsed.path, query: parsed.query)
        let outcome = await self.venue.process(parsed) {
            let buffer = try await request.body.collect(upTo: MT4ServerSimulator.maxBodySize)
            return Array(buffer.readableBytesView)
        }
        switch outcome {
        case .respond(let status, let body):
            self.venue.requestLog.complete(ticket, status: status)
            return Response(
                status: .init(code: status),
                headers: [.contentType: MT4ServerWire.contentType],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        case .drop, .upgrade:
            // Close first: the response returned below can then never be written.
            try? await context.channel.close()
            return Response(status: .internalServerError)
        }
    }
}

extension MT4ServerSimulator {
    /// Applies the fault settings, then routes the request. `body` reads the request body.
    func process(_ request: MT4ServerRequest, body: () async throws -> [UInt8]) async -> MT4ServerOutcome {
        await self.faults.handle(drop: .drop, error: { .respond(status: $0, body: MT4ServerWire.errorBody(status: $0)) }) {
            await self.route(request, body: body)
        }
    }

    private func route(_ request: MT4ServerRequest, body: () async throws -> [UInt8]) async -> MT4ServerOutcome {
        let notFound = MT4ServerOutcome.respond(status: 404, body: MT4ServerWire.notFound)
        guard request.path.hasPrefix("/") else { return notFound }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)

        func allow(_ methods: String...) -> MT4ServerOutcome? {
            methods.contains(request.method)
                ? nil : .respond(status: 405, body: MT4ServerWire.methodNotAllowed(methods))
        }

        switch segments.first {
        case "" where segments.count == 1:
            return allow("GET") ?? .respond(status: 200, body: MT4ServerWire.alive)
        case "token" where segments.count == 1:
            if let methodCheck = allow("POST") { return methodCheck }
            return await self.issueToken(body: body)
        case "exchanges" where segments.count >= 3 && !segments[1].isEmpty:
            break
        default:
            return notFound
        }
        let brokerID = segments[1]
        let rest = Array(segments.dropFirst(2))
        let methodCheck: MT4ServerOutcome?
        switch rest {
        case ["orders"]: methodCheck = allow("GET", "POST")
        case ["balance"], ["tickers"], ["ticker"]: methodCheck = allow("GET")
        case let parts where parts.count == 2 && parts[0] == "orders" && Self.parseTicket(parts[1]) != nil:
            methodCheck = allow("DELETE")
        default: return notFound
        }
        if let methodCheck { return methodCheck }
        guard let token = request.authorization, self.tokens.isValid(token) else {
            return .respond(status: 403, body: MT4ServerWire.forbidden)
        }
        guard let broker = MT4ServerCatalog.broker(brokerID) else {
            // MT4Commands(brokerId) throws "Unknown broker"; akka turns the exception into a 500.
            return .respond(status: 500, body: MT4ServerWire.internalError)
        }
        switch (request.method, rest.first, rest.count) {
        case ("GET", "orders", 1): return self.listOrders(broker)
        case ("POST", "orders", 1): return await self.placeOrder(broker, channel: request.channel, body: body)
        case ("DELETE", "orders", 2): return self.closeOrder(broker, ticket: Self.parseTicket(rest[1]) ?? 0)
        case ("GET", "balance", _): return self.balanceOutcome(broker)
        case ("GET", "tickers", _): return self.tickers(broker, query: request.query)
        default:
            guard let symbol = MT4ServerWire.queryParameter("ticker", in: request.query) else {
                return .respond(status: 404, body: MT4ServerWire.missingTicker)
            }
            guard request.isWebSocketUpgrade else {
                return .respond(status: 400, body: MT4ServerWire.expectedWebSocket)
            }
            return .upgrade(broker: broker, symbol: symbol)
        }
    }

    /// akka's `IntNumber`: ASCII digits only, within `Int32`.
    static func parseTicket(_ segment: String) -> Int? {
        guard !segment.isEmpty, segment.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = Int32(segment)
        else { return nil }
        return Int(value)
    }

    private func issueToken(body: () async throws -> [UInt8]) async -> MT4ServerOutcome {
        guard let bytes = try? await body() else {
            return .respond(status: 413, body: MT4ServerWire.tooLarge)
        }
        let submitted = String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "\"", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.constantTimeEquals(submitted, self.configuration.apiKey) else {
            self.logger.debug("Token request with a wrong API key")
            return .respond(status: 500, body: MT4ServerWire.internalError)
        }
        return .respond(status: 200, body: self.tokens.issue(ttl: self.faults.settings.tokenTTL))
    }

    private static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}
