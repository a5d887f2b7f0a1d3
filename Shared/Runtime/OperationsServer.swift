import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// What a service reports on `/health`: each named check passes or says why not.
public final class HealthBoard: Sendable {
    private let checks = Mutex<[String: String?]>([:])

    /// An empty board (healthy).
    public init() {}

    /// Marks `name` as passing (`problem == nil`) or failing with `problem`.
    public func set(_ name: String, problem: String?) {
        self.checks.withLock { $0[name] = .some(problem) }
    }

    /// Name → problem (`nil` when passing).
    public var snapshot: [String: String?] { self.checks.withLock { $0 } }

    /// Whether every check passes.
    public var isHealthy: Bool { self.snapshot.values.allSatisfy { $0 == nil } }
}

/// The operations endpoint of a service: `GET /health` (200 when every check passes, else 503, JSON body
/// `{"status":"ok"|"unavailable","checks":{"name":"ok"|"problem"}}`) and `GET /metrics` (Prometheus text).
public enum OperationsServer {
    /// The HTTP service on `host:port` (port 0 picks a free one; `onListening` gets the bound port).
    public static func make(
        host: String, port: Int, service: String, health: HealthBoard, metrics: ServiceMetrics, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> some Service {
        let router = Router()
        router.get("/health") { _, _ -> Response in
            let checks = health.snapshot
            let healthy = checks.values.allSatisfy { $0 == nil }
            var body = #"{"service":"\#(service)","status":"\#(healthy ? "ok" : "unavailable")","checks":{"#
            body += checks.keys.sorted().map { name in
                "\(JSONText.quoted(name)):\(JSONText.quoted(checks[name].flatMap { $0 } ?? "ok"))"
            }.joined(separator: ",")
            body += "}}\n"
            return Response(
                status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: service),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) }, logger: quiet)
    }
}
