import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
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

    /// `POST /cplugin/faults` with a JSON object (settings or `{"action": …}`).
    func setFaults(_ json: String) async throws {
        let status = try await self.adminCall(.POST, "cplugin/faults", body: json).status
        try #require(status == 200, "setting faults failed: HTTP \(status)")
    }

    /// `GET /cplugin/<what>` as a JSON array of objects.
    func adminList(_ what: String) async throws -> [[String: Any]] {
        let (_, body) = try await self.adminCall(.GET, "cplugin/\(what)", body: nil)
        return try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
    }

    /// `GET /cplugin/status`.
    func status() async throws -> [String: Int] {
        let (_, body) = try await self.adminCall(.GET, "cplugin/status", body: nil)
        return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Int])
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
