import Foundation
import Logging
import ServiceLifecycle
import TestSupport
import Testing
import VenueSimulator

/// A logger that discards everything (the servers log every start at info).
let quietLogger = Logger(label: "venue-sim-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// The seed's `<API key>` placeholder, as the simulator's default key.
let apiKey = "sim-mt4-api-key"

/// A simulator running in-process on free ports.
struct SimulatorHarness: Sendable {
    let simulator: VenueSimulator
    let listeners: VenueSimulatorListeners

    /// `http://127.0.0.1:<mt4 port>`.
    var venue: String { "http://127.0.0.1:\(self.listeners.mt4Server?.port ?? 0)" }
    /// `http://127.0.0.1:<admin port>`.
    var admin: String { "http://127.0.0.1:\(self.listeners.admin.port)" }

    /// A fresh JWT from `POST /token`, requested as the seed's curl example does.
    func token() async throws -> String {
        let result = try await Curl.run([
            "-X", "POST", self.venue + "/token", "-H", "Cache-Control: no-cache", "-H", "Content-Type: text/plain",
            "-d", apiKey,
        ])
        try #require(result.status == 200, "POST /token answered \(String(describing: result.status))")
        return result.text
    }

    /// The seed's curl flags for an authenticated call.
    func authorized(_ token: String, _ method: String, _ path: String, json: String? = nil) -> [String] {
        var arguments = [
            "-X", method, self.venue + path, "-H", "Authorization: \(token)", "-H", "Cache-Control: no-cache",
            "-H", "Content-Type: application/json",
        ]
        if let json { arguments += ["-d", json] }
        return arguments
    }

    /// GET on the admin API, decoded as JSON.
    func adminGet(_ path: String) async throws -> Any {
        let result = try await Curl.run([self.admin + path])
        try #require(result.status == 200, "admin GET \(path) answered \(String(describing: result.status))")
        return try JSONSerialization.jsonObject(with: result.body)
    }

    /// POST on the admin API.
    @discardableResult
    func adminPost(_ path: String, json: String = "{}") async throws -> CurlResult {
        try await Curl.run(["-X", "POST", self.admin + path, "-H", "Content-Type: application/json", "-d", json])
    }

    /// Every order the venue accepted, as admin JSON objects.
    func acceptedOrders() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/mt4server/orders") as? [[String: Any]])
    }

    /// The venue's request log, as admin JSON objects.
    func requestLog() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/mt4server/requests") as? [[String: Any]])
    }

    /// The venue's live counters.
    func status() async throws -> [String: Int] {
        try #require(try await self.adminGet("/mt4server/status") as? [String: Int])
    }
}

/// Runs `body` against a simulator on free ports, then shuts it down gracefully.
func withSimulator(
    configure: (inout VenueSimulatorConfiguration) -> Void = { _ in },
    _ body: (SimulatorHarness) async throws -> Void
) async throws {
    var configuration = VenueSimulatorConfiguration.ephemeral
    configure(&configuration)
    let simulator = try VenueSimulator(configuration: configuration, logger: quietLogger)
    try await withRunningServices([simulator], logger: quietLogger) {
        let listeners = try await simulator.listeners()
        try await body(SimulatorHarness(simulator: simulator, listeners: listeners))
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    try await TestSupport.eventually(timeout: timeout, interval: .milliseconds(20), condition)
}

/// Decodes one base64url JWT segment as a JSON object.
func jwtSegment(_ token: String, _ index: Int) -> [String: Any]? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { return nil }
    var base64 = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}
