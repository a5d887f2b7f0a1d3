public import ArgumentParser
public import Foundation
public import Logging
public import ServiceLifecycle
public import ServiceRuntime
public import ServiceSupport

/// The command-line options every service executable shares: the operations endpoint and logging.
public struct ServiceOptions: ParsableArguments {
    @Option(help: "Address of /health and /metrics.")
    public var httpHost = "0.0.0.0"

    @Option(help: "Port of /health and /metrics (0 picks a free port; default: the service's own, see the README).")
    public var httpPort: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel = "info"

    @Option(help: "Log format: json or text.")
    public var logFormat = "json"

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: self.logLevel) != nil else { throw ValidationError("unknown log level \(self.logLevel)") }
        guard LogFormat(rawValue: self.logFormat) != nil else { throw ValidationError("log format is json or text") }
        if let port = self.httpPort, !(0...65_535).contains(port) { throw ValidationError("--http-port must be in 0...65535") }
    }

    /// Bootstraps logging for the process and returns the service's logger.
    public func startLogging(label: String) -> Logger {
        let format = LogFormat(rawValue: self.logFormat) ?? .json
        format.bootstrap(level: Logger.Level(rawValue: self.logLevel) ?? .info)
        return Logger(label: label)
    }

    /// Runs `services` with the operations endpoint until SIGTERM or SIGINT.
    public func run(
        name: String, defaultPort: Int, services: [any Service], health: HealthBoard, metrics: ServiceMetrics,
        logger: Logger
    ) async throws {
        try await ServiceProcess.run(
            name: name, services: services, httpHost: self.httpHost, httpPort: self.httpPort ?? defaultPort,
            health: health, metrics: metrics, logger: logger)
    }
}

/// The venue file, from `--venues` or `TRADEWIRE_VENUES_FILE`.
public struct VenueFileOption: ParsableArguments {
    @Option(help: "Venue configuration file (or TRADEWIRE_VENUES_FILE).")
    public var venues: String?

    public init() {}

    /// Reads and validates the file.
    public func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> VenueConfigurationFile {
        guard let path = self.venues ?? environment["TRADEWIRE_VENUES_FILE"] else {
            throw ValidationError("give --venues or TRADEWIRE_VENUES_FILE")
        }
        return try VenueConfigurationFile.load(from: URL(fileURLWithPath: path))
    }
}
