import Foundation
import Logging
import ServiceLifecycle
import TestSupport
import Testing
import VenueKit
import VenueMT4Server
import VenueSimulator

let testLogger: Logger = {
    var logger = Logger(label: "mt4-test")
    logger.logLevel = .warning
    return logger
}()

/// A running simulator (in-process, ephemeral ports) and helpers for its admin API.
struct SimulatorHarness: Sendable {
    let mt4: URL
    let admin: URL

    /// A client for `broker` with its own login cache (API key `sim-mt4-api-key`).
    func client(
        broker: String = "ava", apiKey: String = "sim-mt4-api-key",
        configure: (inout MT4ServerConfiguration) -> Void = { _ in }
    ) throws -> (MT4ServerClient, VenueTokenCache) {
        var configuration = MT4ServerConfiguration(endpoint: self.mt4, broker: broker)
        configuration.tickerSilenceTimeout = .seconds(1)
        configure(&configuration)
        let tokens = MT4ServerLogin.tokenCache(configuration: configuration, apiKey: VenueSecret(apiKey))
        let client = try MT4ServerClient(venueID: "mt4-\(broker)", configuration: configuration, tokens: tokens, logger: testLogger)
        return (client, tokens)
    }

    /// The admin API of the MT4Server venue.
    var mt4server: SimulatorAdmin { SimulatorAdmin(base: self.admin, venue: "mt4server") }

    func setFaults(_ json: String) async throws { try await self.mt4server.setFaults(json) }
    func adminList(_ what: String) async throws -> [[String: Any]] { try await self.mt4server.list(what) }
    func requests(matching fragment: String, method: String? = nil) async throws -> [[String: Any]] {
        try await self.mt4server.requests(matching: fragment, method: method)
    }
}

/// Runs the simulator on ephemeral ports while `body` runs.
func withSimulator<R: Sendable>(_ body: (SimulatorHarness) async throws -> R) async throws -> R {
    let simulator = try VenueSimulator(configuration: .ephemeral, logger: testLogger)
    return try await withRunningServices([simulator], logger: testLogger) {
        let listeners = try await simulator.listeners()
        let mt4 = try #require(listeners.mt4Server)
        return try await body(SimulatorHarness(
            mt4: URL(string: "http://\(mt4.host):\(mt4.port)")!,
            admin: URL(string: "http://\(listeners.admin.host):\(listeners.admin.port)")!))
    }
}
