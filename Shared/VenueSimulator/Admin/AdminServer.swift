import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The admin API (JSON in and out), generic over ``SimulatedVenue``.
///
/// - `GET /` → `{"venues":[{"name":"mt4server","host":"127.0.0.1","port":8801}]}`
/// - `GET /<venue>/orders` → `[SimulatedOrderRecord]`, every accepted order (open, closed, duplicates)
/// - `GET /<venue>/requests` → `[VenueRequestLogEntry]`, the request log
/// - `GET /<venue>/faults` → ``VenueFaultSettings``
/// - `POST /<venue>/faults` with a ``VenueFaultPatch`` → the new ``VenueFaultSettings``
///   (400 `{"error":"…"}` if invalid; nothing changes then)
/// - `GET /<venue>/status` → venue counters, for example
///   `{"issuedTokens":3,"openWebSockets":1,"withheldResponses":0}`
/// - `POST /<venue>/reset` → `{"reset":"<venue>"}`: clears orders, balances, request log and faults
enum AdminServer {
    /// Largest admin request body read.
    static let maxBodySize = 1 << 20

    /// The admin application listening on `host:port`.
    static func makeApplication(
        host: String, port: Int, venues: [any SimulatedVenue], board: ListenerBoard, logger: Logger
    ) -> some Service {
        let router = Router()
        router.get("/") { _, _ -> Response in
            let ports = board.snapshot()
            let list = venues.map { VenueEntry(name: $0.name, host: $0.host, port: ports[$0.name] ?? $0.port) }
            return Self.json(["venues": list])
        }
        for venue in venues {
            Self.addRoutes(for: venue, to: router)
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in board.report("admin", port: channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    private struct VenueEntry: Encodable {
        var name: String
        var host: String
        var port: Int
    }

    private static func addRoutes(for venue: any SimulatedVenue, to router: Router<BasicRequestContext>) {
        let prefix = "/" + venue.name
        router.get(RouterPath(prefix + "/orders")) { _, _ in Self.json(venue.acceptedOrders()) }
        router.get(RouterPath(prefix + "/requests")) { _, _ in Self.json(venue.requestLog.entries) }
        router.get(RouterPath(prefix + "/faults")) { _, _ in Self.json(venue.faults.settings) }
        router.get(RouterPath(prefix + "/status")) { _, _ in Self.json(venue.status()) }
        router.post(RouterPath(prefix + "/faults")) { request, _ -> Response in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maxBodySize)
            } catch {
                return Self.error(status: .contentTooLarge, "body too large")
            }
            let patch: VenueFaultPatch
            do {
                patch = try JSONDecoder().decode(VenueFaultPatch.self, from: Data(body.readableBytesView))
            } catch {
                return Self.error(status: .badRequest, Self.describe(error))
            }
            let settings: VenueFaultSettings
            do {
                settings = try venue.faults.apply(patch)
            } catch {
                return Self.error(status: .badRequest, (error as? VenueSimulatorError)?.reason ?? "invalid settings")
            }
            for action in patch.actions where venue.perform(action) == nil {
                return Self.error(status: .badRequest, "\(venue.name) does not support \(action)")
            }
            return Self.json(settings)
        }
        router.post(RouterPath(prefix + "/reset")) { _, _ -> Response in
            venue.reset()
            venue.requestLog.clear()
            venue.faults.reset()
            return Self.json(["reset": venue.name])
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty,
            DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty:
            "body is not a JSON object"
        case DecodingError.dataCorrupted(let context):
            context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "invalid value for '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default:
            "invalid body"
        }
    }

    static func json(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(status: HTTPResponse.Status, _ message: String) -> Response {
        var response = Self.json(["error": message])
        response.status = status
        return response
    }
}
