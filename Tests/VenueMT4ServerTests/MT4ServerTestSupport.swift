import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
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

    /// `POST /mt4server/faults` with a JSON object.
    func setFaults(_ json: String) async throws {
        let status = try await self.adminCall(.POST, "mt4server/faults", body: json).status
        try #require(status == 200, "setting faults failed: HTTP \(status)")
    }

    /// `GET /mt4server/<what>` as a JSON array of objects.
    func adminList(_ what: String) async throws -> [[String: Any]] {
        let (_, body) = try await self.adminCall(.GET, "mt4server/\(what)", body: nil)
        return try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
    }

    /// Requests the venue received for paths containing `fragment`.
    func requests(matching fragment: String, method: String? = nil) async throws -> [[String: Any]] {
        try await self.adminList("requests").filter { entry in
            (entry["path"] as? String)?.contains(fragment) == true && (method == nil || entry["method"] as? String == method)
        }
    }

    private func adminCall(_ method: HTTPMethod, _ path: String, body: String?) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: self.admin.appendingPathComponent(path).absoluteString)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let data = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), Data(data.readableBytesView))
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
