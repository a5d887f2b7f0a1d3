import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import VenueSimulator

/// `venue-sim`: the paper venues (MT4Server, CPlugin, Magnr, Deriv and cTrader) and their admin/fault-injection API,
/// for development and tests.
@main
struct VenueSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venue-sim",
        abstract: "Simulated trading venues with fault injection (development and tests only).",
        discussion: "Prints one `name=host:port` line per listener once all listen. SIGTERM/SIGINT stop it gracefully.")

    @Option(help: "Address every listener binds to.")
    var host = "127.0.0.1"

    @Option(help: "Admin API port (0 picks a free port).")
    var adminPort = 8800

    @Option(help: "MT4Server venue port (0 picks a free port).")
    var mt4Port = 8801

    @Option(
        help: "API key accepted by MT4Server's POST /token (default: $VENUE_SIM_MT4_API_KEY, else sim-mt4-api-key).")
    var mt4ApiKey: String?

    @Option(help: "Lifetime in seconds of MT4Server tokens (default: no expiry, like the real server).")
    var mt4TokenTtl: Int?

    @Option(help: "CPlugin venue port: REST, OAuth2 token endpoint and SignalR hub (0 picks a free port).")
    var cpluginPort = 8802

    @Option(
        help: ArgumentHelp(
            "Client secret accepted by CPlugin's POST /connect/token for client id sim-cplugin-client "
                + "(default: $VENUE_SIM_CPLUGIN_CLIENT_SECRET, else sim-cplugin-secret)."))
    var cpluginClientSecret: String?

    @Option(help: "Lifetime in seconds of CPlugin access tokens (expires_in; default 3600).")
    var cpluginTokenTtl: Int?

    @Option(help: "Interval in milliseconds after which the CPlugin hub pings an idle connection (default 15000).")
    var cpluginKeepAliveMs: Int?

    @Option(help: "Magnr venue port (0 picks a free port).")
    var magnrPort = 8803

    @Option(
        help: ArgumentHelp(
            "Private key that signs Magnr requests of public key sim-magnr-pub "
                + "(default: $VENUE_SIM_MAGNR_PRIVATE_KEY, else sim-magnr-priv)."))
    var magnrPrivateKey: String?

    @Option(help: "Milliseconds a new Magnr trade stays pending before it opens.")
    var magnrFillDelayMs = 300

    @Option(help: "Deriv WebSocket API v3 venue port: ws://HOST:PORT/websockets/v3?app_id=N (0 picks a free port).")
    var derivPort = 8804

    @Option(
        help: ArgumentHelp(
            "API token accepted by Deriv's authorize, with scopes read, trade and trading_information "
                + "(default: $VENUE_SIM_DERIV_TOKEN, else sim-deriv-token)."))
    var derivToken: String?

    @Option(help: "Milliseconds without a frame from a Deriv client after which its connection is closed.")
    var derivIdleTimeoutMs = 120_000

    @Option(help: "Deriv buy, sell, proposal and proposal_open_contract calls allowed per account and minute.")
    var derivCallsPerMinute = 360

    @Option(help: "cTrader Open API venue port: JSON over WebSocket at ws://HOST:PORT/ and GET|POST /apps/token.")
    var ctraderPort = 8805

    @Option(
        help: ArgumentHelp(
            "Client secret accepted by cTrader's application auth for client id sim-ctrader-client "
                + "(default: $VENUE_SIM_CTRADER_CLIENT_SECRET, else sim-ctrader-secret)."))
    var ctraderClientSecret: String?

    @Option(
        help: ArgumentHelp(
            "cTrader refresh token valid after start (one use; default: $VENUE_SIM_CTRADER_REFRESH_TOKEN, "
                + "else sim-ctrader-refresh)."))
    var ctraderRefreshToken: String?

    @Option(help: "Milliseconds without a frame from a cTrader client after which its connection is closed.")
    var ctraderHeartbeatTimeoutMs = 10_000

    @Option(help: "Lifetime in seconds of cTrader access tokens (expiresIn; default 2628000).")
    var ctraderTokenTtl = 2_628_000

    @Option(help: "Price step and WebSocket push interval in milliseconds.")
    var tickIntervalMs = 50

    @Option(help: "Seed of the price walks and fault draws.")
    var seed: UInt64 = 42

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: self.logLevel) else {
            throw ValidationError("unknown log level '\(self.logLevel)'")
        }
        var logger = Logger(label: "venue-sim")
        logger.logLevel = level
        var configuration = VenueSimulatorConfiguration()
        configuration.host = self.host
        configuration.adminPort = self.adminPort
        configuration.seed = self.seed
        configuration.tickInterval = .milliseconds(self.tickIntervalMs)
        configuration.mt4Server.port = self.mt4Port
        configuration.mt4Server.apiKey =
            self.mt4ApiKey ?? ProcessInfo.processInfo.environment["VENUE_SIM_MT4_API_KEY"] ?? "sim-mt4-api-key"
        configuration.mt4Server.tokenTTL = self.mt4TokenTtl
        configuration.cplugin.port = self.cpluginPort
        configuration.cplugin.clientSecret =
            self.cpluginClientSecret ?? ProcessInfo.processInfo.environment["VENUE_SIM_CPLUGIN_CLIENT_SECRET"]
            ?? "sim-cplugin-secret"
        if let ttl = self.cpluginTokenTtl { configuration.cplugin.tokenLifetime = ttl }
        if let keepAlive = self.cpluginKeepAliveMs {
            configuration.cplugin.keepAliveInterval = .milliseconds(keepAlive)
        }
        configuration.magnr.port = self.magnrPort
        configuration.magnr.privateKey =
            self.magnrPrivateKey ?? ProcessInfo.processInfo.environment["VENUE_SIM_MAGNR_PRIVATE_KEY"]
            ?? "sim-magnr-priv"
        configuration.magnr.fillDelay = .milliseconds(self.magnrFillDelayMs)
        configuration.deriv.port = self.derivPort
        configuration.deriv.token =
            self.derivToken ?? ProcessInfo.processInfo.environment["VENUE_SIM_DERIV_TOKEN"] ?? "sim-deriv-token"
        configuration.deriv.idleTimeout = .milliseconds(self.derivIdleTimeoutMs)
        configuration.deriv.callsPerMinute = self.derivCallsPerMinute
        let environment = ProcessInfo.processInfo.environment
        configuration.ctrader.port = self.ctraderPort
        configuration.ctrader.clientSecret =
            self.ctraderClientSecret ?? environment["VENUE_SIM_CTRADER_CLIENT_SECRET"] ?? "sim-ctrader-secret"
        configuration.ctrader.refreshToken =
            self.ctraderRefreshToken ?? environment["VENUE_SIM_CTRADER_REFRESH_TOKEN"] ?? "sim-ctrader-refresh"
        configuration.ctrader.heartbeatTimeout = .milliseconds(self.ctraderHeartbeatTimeoutMs)
        configuration.ctrader.tokenLifetime = self.ctraderTokenTtl
        let simulator: VenueSimulator
        do {
            simulator = try VenueSimulator(configuration: configuration, logger: logger)
        } catch {
            throw ValidationError(error.reason)
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [simulator], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let listeners = try await simulator.listeners()
                var lines = ""
                for venue in simulator.venues {
                    if let listener = listeners.venues[venue.name] { lines += "\(venue.name)=\(listener)\n" }
                }
                lines += "admin=\(listeners.admin)\n"
                // Unbuffered: scripts and tests wait for these lines.
                FileHandle.standardOutput.write(Data(lines.utf8))
            }
            try await tasks.waitForAll()
        }
    }
}
