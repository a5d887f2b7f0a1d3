public import Logging
public import ServiceLifecycle
import UnixSignals

/// Runs one service process: its services plus the operations endpoint, in one `ServiceGroup` that shuts down
/// gracefully (reverse order) on SIGTERM or SIGINT.
public enum ServiceProcess {
    /// Runs until a signal or a service failure.
    /// - Parameters:
    ///   - httpHost/httpPort: where `/health` and `/metrics` listen (`httpPort` nil: no endpoint).
    public static func run(
        name: String, services: [any Service], httpHost: String, httpPort: Int?, health: HealthBoard,
        metrics: ServiceMetrics, logger: Logger
    ) async throws {
        var all = services
        if let httpPort {
            all.append(OperationsServer.make(
                host: httpHost, port: httpPort, service: name, health: health, metrics: metrics, logger: logger,
                onListening: { port in
                    logger.notice("Operations endpoint listening", metadata: ["http.host": "\(httpHost)", "http.port": "\(port)"])
                }))
        }
        let group = ServiceGroup(configuration: .init(
            services: all.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.notice("Starting", metadata: ["service.name": "\(name)"])
        try await group.run()
        logger.notice("Stopped", metadata: ["service.name": "\(name)"])
    }
}
