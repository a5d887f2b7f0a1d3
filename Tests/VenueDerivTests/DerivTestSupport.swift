import Foundation
import Logging
import Messages
import ServiceLifecycle
import TestSupport
import Testing
import VenueDeriv
import VenueKit
import VenueSimulator

let testLogger: Logger = {
    var logger = Logger(label: "deriv-test")
    logger.logLevel = .warning
    return logger
}()

/// The simulator's tokens (issue 8).
enum SimTokens {
    static let trading = "sim-deriv-token"
    static let readOnly = "sim-deriv-readonly"
}

/// A running simulator (in-process, ephemeral ports) and helpers for its Deriv face and admin API.
struct DerivHarness: Sendable {
    let simulator: VenueSimulator
    let venue: URL
    let admin: URL

    /// A client with `token` (a fixed token source), generous budgets and a short deadline.
    func client(
        token: String = SimTokens.trading, configure: (inout DerivConfiguration) -> Void = { _ in }
    ) throws -> DerivClient {
        var configuration = DerivConfiguration(endpoint: self.venue)
        configuration.requestTimeout = .seconds(10)
        configure(&configuration)
        return try DerivClient(
            venueID: "deriv-test", configuration: configuration, tokens: FixedToken(token), logger: testLogger)
    }

    /// The admin API of the Deriv venue.
    var deriv: SimulatorAdmin { SimulatorAdmin(base: self.admin, venue: "deriv") }

    func setFaults(_ json: String) async throws { try await self.deriv.setFaults(json) }
    func orders() async throws -> [[String: Any]] { try await self.deriv.list("orders") }
    func status() async throws -> [String: Int] { try await self.deriv.status() }

    /// The request frames the venue received, decoded, whose call is `call`.
    func frames(_ call: String) throws -> [[String: Any]] {
        let simulator = try #require(self.simulator.deriv)
        return simulator.receivedFrames().compactMap { text in
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                object[call] != nil
            else { return nil }
            return object
        }
    }
}

/// A token source that always yields the same token and counts rejections.
final class FixedToken: VenueTokenSource, @unchecked Sendable {
    private let token: VenueToken
    init(_ value: String) { self.token = VenueToken(value: VenueSecret(value), expiresAt: nil, generation: 1) }
    func currentToken() async throws(VenueError) -> VenueToken { self.token }
    func tokenRejected(_ token: VenueToken) async throws(VenueError) -> VenueToken { self.token }
}

/// Runs the simulator on ephemeral ports while `body` runs.
func withSimulator<R: Sendable>(
    configure: (inout VenueSimulatorConfiguration) -> Void = { _ in }, _ body: (DerivHarness) async throws -> R
) async throws -> R {
    var configuration = VenueSimulatorConfiguration.ephemeral
    configure(&configuration)
    let simulator = try VenueSimulator(configuration: configuration, logger: testLogger)
    return try await withRunningServices([simulator], logger: testLogger) {
        let listeners = try await simulator.listeners()
        let venue = try #require(listeners.venues["deriv"])
        return try await body(DerivHarness(
            simulator: simulator, venue: URL(string: "ws://\(venue.host):\(venue.port)")!,
            admin: URL(string: "http://\(listeners.admin.host):\(listeners.admin.port)")!))
    }
}

/// A place request for a stake.
func stake(_ amount: String, on symbol: String = "R_100", side: OrderSide = .buy, extensions: JSONValue? = nil, id: String = "d-1")
    -> VenuePlaceRequest
{
    VenuePlaceRequest(
        clientOrderID: id, symbol: symbol, side: side, quantity: Decimal(string: amount)!, extensions: extensions)
}
