import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TestSupport
import Testing
import VenueKit
import VenueMagnr
import VenueSimulator

let testLogger: Logger = {
    var logger = Logger(label: "magnr-test")
    logger.logLevel = .warning
    return logger
}()

/// The simulator's default key pair (issue 7).
enum SimKeys {
    static let publicKey = "sim-magnr-pub"
    static let privateKey = "sim-magnr-priv"
}

/// A running simulator (in-process, ephemeral ports) and helpers for its Magnr face and admin API.
struct MagnrHarness: Sendable {
    let simulator: VenueSimulator
    let venue: URL
    let admin: URL

    /// A client with the simulator's key pair (or `privateKey`), its own tonce source.
    func client(
        privateKey: String = SimKeys.privateKey, configure: (inout MagnrConfiguration) -> Void = { _ in }
    ) throws -> MagnrClient {
        var configuration = MagnrConfiguration(endpoint: self.venue)
        configuration.requestTimeout = .seconds(5)
        configuration.requestsPerSecond = 1_000
        configuration.burst = 1_000
        configure(&configuration)
        return try MagnrClient(
            venueID: "magnr-test", configuration: configuration,
            keys: MagnrKeys.source(publicKey: SimKeys.publicKey, privateKey: VenueSecret(privateKey)), logger: testLogger)
    }

    /// The admin API of the Magnr venue.
    var magnr: SimulatorAdmin { SimulatorAdmin(base: self.admin, venue: "magnr") }

    func setFaults(_ json: String) async throws { try await self.magnr.setFaults(json) }
    func adminList(_ what: String) async throws -> [[String: Any]] { try await self.magnr.list(what) }
    func status() async throws -> [String: Int] { try await self.magnr.status() }
    func requests(matching fragment: String, method: String? = nil) async throws -> [[String: Any]] {
        try await self.magnr.requests(matching: fragment, method: method)
    }

    /// Sends one raw request to the venue with the given headers and body.
    func raw(_ method: HTTPMethod, _ path: String, headers: [(String, String)], body: String?) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: self.venue.absoluteString + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let data = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: data))
    }
}

/// Runs the simulator on ephemeral ports while `body` runs.
func withSimulator<R: Sendable>(
    configure: (inout VenueSimulatorConfiguration) -> Void = { _ in }, _ body: (MagnrHarness) async throws -> R
) async throws -> R {
    var configuration = VenueSimulatorConfiguration.ephemeral
    configure(&configuration)
    let simulator = try VenueSimulator(configuration: configuration, logger: testLogger)
    return try await withRunningServices([simulator], logger: testLogger) {
        let listeners = try await simulator.listeners()
        let venue = try #require(listeners.venues["magnr"])
        return try await body(MagnrHarness(
            simulator: simulator, venue: URL(string: "http://\(venue.host):\(venue.port)")!,
            admin: URL(string: "http://\(listeners.admin.host):\(listeners.admin.port)")!))
    }
}
