public import Logging
public import ServiceLifecycle

/// The paper venues: every simulated venue plus the admin API, run as one `Service`.
///
/// ```swift
/// let simulator = try VenueSimulator(configuration: .ephemeral, logger: logger)
/// let group = ServiceGroup(configuration: .init(services: [simulator], logger: logger))
/// // in a task: try await group.run()
/// let listeners = try await simulator.listeners()     // admin and every venue's port, once all listen
/// ```
///
/// - Important: ``listeners()`` returns only while ``run()`` is running (or throws once it has stopped).
///   On graceful shutdown, withheld responses are released (their connections closed without a
///   response), ticker WebSockets are closed, hub connections get a SignalR close message and the listeners stop.
public final class VenueSimulator: Service, Sendable {
    /// The configuration the simulator was created with.
    public let configuration: VenueSimulatorConfiguration
    /// The simulated venues, in start order.
    public let venues: [any SimulatedVenue]

    private let board: ListenerBoard
    private let logger: Logger

    /// Creates the simulator with the default venues (MT4Server, CPlugin, Magnr, Deriv and cTrader). Validates
    /// `configuration`.
    public convenience init(configuration: VenueSimulatorConfiguration, logger: Logger) throws(VenueSimulatorError) {
        try configuration.validate()
        let mt4Server = MT4ServerSimulator(
            configuration: configuration.mt4Server, host: configuration.host, seed: configuration.seed,
            tickInterval: configuration.tickInterval, logger: logger)
        let cplugin = CPluginSimulator(
            configuration: configuration.cplugin, host: configuration.host, seed: configuration.seed,
            tickInterval: configuration.tickInterval, logger: logger)
        let magnr = MagnrSimulator(
            configuration: configuration.magnr, host: configuration.host, seed: configuration.seed,
            tickInterval: configuration.tickInterval, logger: logger)
        let deriv = DerivSimulator(
            configuration: configuration.deriv, host: configuration.host, seed: configuration.seed,
            tickInterval: configuration.tickInterval, logger: logger)
        let ctrader = CTraderSimulator(
            configuration: configuration.ctrader, host: configuration.host, seed: configuration.seed,
            tickInterval: configuration.tickInterval, logger: logger)
        try self.init(
            configuration: configuration, venues: [mt4Server, cplugin, magnr, deriv, ctrader], logger: logger)
    }

    /// Creates the simulator serving `venues` (names must be unique and not `admin`).
    public init(
        configuration: VenueSimulatorConfiguration, venues: [any SimulatedVenue], logger: Logger
    ) throws(VenueSimulatorError) {
        try configuration.validate()
        let names = venues.map(\.name)
        guard Set(names).count == names.count, !names.contains("admin"), !names.contains("") else {
            throw VenueSimulatorError(
                .invalidConfiguration, reason: "venue names must be unique, non-empty and not 'admin'")
        }
        self.configuration = configuration
        self.venues = venues
        var logger = logger
        logger[metadataKey: "svc.name"] = "venue-sim"
        self.logger = logger
        self.board = ListenerBoard(expected: Set(names + ["admin"]))
    }

    /// The MT4Server venue, when it is one of ``venues``.
    public var mt4Server: MT4ServerSimulator? {
        self.venues.lazy.compactMap { $0 as? MT4ServerSimulator }.first
    }

    /// The CPlugin venue, when it is one of ``venues``.
    public var cplugin: CPluginSimulator? {
        self.venues.lazy.compactMap { $0 as? CPluginSimulator }.first
    }

    /// The Magnr venue, when it is one of ``venues``.
    public var magnr: MagnrSimulator? {
        self.venues.lazy.compactMap { $0 as? MagnrSimulator }.first
    }

    /// The Deriv venue, when it is one of ``venues``.
    public var deriv: DerivSimulator? {
        self.venues.lazy.compactMap { $0 as? DerivSimulator }.first
    }

    /// The cTrader Open API venue, when it is one of ``venues``.
    public var ctrader: CTraderSimulator? {
        self.venues.lazy.compactMap { $0 as? CTraderSimulator }.first
    }

    /// Waits until every listener is bound and returns the bound addresses.
    ///
    /// Throws ``VenueSimulatorError/Code/bindFailed`` when a listener could not start, and
    /// ``VenueSimulatorError/Code/notRunning`` once ``run()`` has returned.
    public func listeners() async throws -> VenueSimulatorListeners {
        let ports = try await self.board.wait()
        let host = self.configuration.host
        var venues: [String: VenueSimulatorListener] = [:]
        for venue in self.venues {
            venues[venue.name] = VenueSimulatorListener(host: venue.host, port: ports[venue.name] ?? venue.port)
        }
        return VenueSimulatorListeners(
            admin: VenueSimulatorListener(host: host, port: ports["admin"] ?? 0), venues: venues)
    }

    /// Serves every venue and the admin API until graceful shutdown or cancellation.
    public func run() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for venue in self.venues {
            let name = venue.name
            let board = self.board
            for service in venue.makeServices(onListening: { port in board.report(name, port: port) }) {
                services.append(.init(service: service))
            }
        }
        let admin = AdminServer.makeApplication(
            host: self.configuration.host, port: self.configuration.adminPort, venues: self.venues, board: self.board,
            logger: self.logger)
        services.append(.init(service: admin))
        let group = ServiceGroup(configuration: .init(services: services, logger: self.logger))
        let venues = self.venues
        do {
            try await withGracefulShutdownHandler {
                try await group.run()
            } onGracefulShutdown: {
                for venue in venues { venue.beginShutdown() }
            }
        } catch {
            let started = self.board.snapshot().count == venues.count + 1
            let failure = VenueSimulatorError(
                started ? .notRunning : .bindFailed,
                reason: started ? "the simulator stopped" : "a listener failed to start on \(self.configuration.host)",
                underlying: error)
            self.board.fail(failure)
            for venue in venues { venue.beginShutdown() }
            throw started ? error : failure
        }
        for venue in venues { venue.beginShutdown() }
        self.board.fail(VenueSimulatorError(.notRunning, reason: "the simulator stopped"))
    }
}
