import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import VenueCPlugin
import VenueKit
import VenueSimulator

let testLogger: Logger = {
    var logger = Logger(label: "cplugin-test")
    logger.logLevel = .warning
    return logger
}()

/// The simulator's defaults (issue 6): trade platform, login and OAuth client.
enum SimDefaults {
    static let tradePlatform = "00000000-0000-0000-0000-000000000001"
    static let login: Int32 = 1001
    static let clientID = "sim-cplugin-client"
    static let clientSecret = "sim-cplugin-secret"
}

/// A running simulator (in-process, ephemeral ports) and helpers for its CPlugin face and admin API.
struct CPluginHarness: Sendable {
    let simulator: VenueSimulator
    let venue: URL
    let admin: URL

    /// The protocol module's settings for the simulator's default account.
    func configuration(configure: (inout CPluginConfiguration) -> Void = { _ in }) -> CPluginConfiguration {
        var configuration = CPluginConfiguration(
            endpoint: self.venue, tradePlatform: SimDefaults.tradePlatform, login: SimDefaults.login,
            clientID: SimDefaults.clientID)
        configuration.requestTimeout = .seconds(3)
        configure(&configuration)
        return configuration
    }

    /// A client with its own token cache (client credentials of the simulator).
    func client(
        secret: String = SimDefaults.clientSecret, configure: (inout CPluginConfiguration) -> Void = { _ in }
    ) throws -> (CPluginClient, VenueTokenCache) {
        let configuration = self.configuration(configure: configure)
        let tokens = CPluginLogin.tokenCache(configuration: configuration, clientSecret: VenueSecret(secret))
        let client = try CPluginClient(venueID: "cplugin-test", configuration: configuration, tokens: tokens, logger: testLogger)
        return (client, tokens)
    }

    /// The admin API of the CPlugin venue.
    var cplugin: SimulatorAdmin { SimulatorAdmin(base: self.admin, venue: "cplugin") }

    func setFaults(_ json: String) async throws { try await self.cplugin.setFaults(json) }
    func adminList(_ what: String) async throws -> [[String: Any]] { try await self.cplugin.list(what) }
    func status() async throws -> [String: Int] { try await self.cplugin.status() }
    func requests(matching fragment: String, method: String? = nil) async throws -> [[String: Any]] {
        try await self.cplugin.requests(matching: fragment, method: method)
    }
}

/// Runs the simulator on ephemeral ports while `body` runs.
func withSimulator<R: Sendable>(
    configure: (inout VenueSimulatorConfiguration) -> Void = { _ in }, _ body: (CPluginHarness) async throws -> R
) async throws -> R {
    var configuration = VenueSimulatorConfiguration.ephemeral
    configure(&configuration)
    let simulator = try VenueSimulator(configuration: configuration, logger: testLogger)
    return try await withRunningServices([simulator], logger: testLogger) {
        let listeners = try await simulator.listeners()
        let venue = try #require(listeners.venues["cplugin"])
        return try await body(CPluginHarness(
            simulator: simulator, venue: URL(string: "http://\(venue.host):\(venue.port)")!,
            admin: URL(string: "http://\(listeners.admin.host):\(listeners.admin.port)")!))
    }
}

/// Records the events of a market-data stream in the background until stopped.
final class EventRecorder: Sendable {
    private let recorded = Mutex<[VenueMarketEvent]>([])
    private let failure = Mutex<String?>(nil)
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(_ stream: AsyncThrowingStream<VenueMarketEvent, any Error>) {
        let task = Task {
            do {
                for try await event in stream { self.recorded.withLock { $0.append(event) } }
            } catch {
                self.failure.withLock { $0 = "\(error)" }
            }
        }
        self.task.withLock { $0 = task }
    }

    /// Everything recorded so far.
    var events: [VenueMarketEvent] { self.recorded.withLock { $0 } }
    /// Why the stream ended with an error, if it did.
    var error: String? { self.failure.withLock { $0 } }

    /// The quotes recorded so far for `symbol`.
    func quotes(_ symbol: String) -> [VenueQuote] {
        self.events.compactMap { event in
            if case .quote(let quote) = event, quote.symbol == symbol { return quote }
            return nil
        }
    }

    /// Ends the stream (its termination unsubscribes).
    func stop() { self.task.withLock { $0?.cancel() } }
}
