import Foundation
import Logging
import Messages
import ServiceLifecycle
import TestSupport
import Testing
import VenueCTrader
import VenueKit
import VenueSimulator

let testLogger: Logger = {
    var logger = Logger(label: "ctrader-test")
    logger.logLevel = .warning
    return logger
}()

/// The simulator's defaults (issue 9).
enum SimAccount {
    static let id: Int64 = 1_000_001
    static let clientID = "sim-ctrader-client"
    static let clientSecret = "sim-ctrader-secret"
    static let accessToken = "sim-ctrader-access"
    static let refreshToken = "sim-ctrader-refresh"
}

/// A running simulator (in-process, ephemeral ports) and helpers for its cTrader face and admin API.
struct CTraderHarness: Sendable {
    let simulator: VenueSimulator
    let venue: URL
    let admin: URL

    /// A client with fixed credentials.
    func client(
        accessToken: String = SimAccount.accessToken, tokens: (any VenueTokenSource)? = nil,
        configure: (inout CTraderConfiguration) -> Void = { _ in }
    ) throws -> CTraderClient {
        var configuration = CTraderConfiguration(endpoint: self.venue, accountID: SimAccount.id)
        configure(&configuration)
        let source = tokens ?? CTraderCredentials.source(
            clientID: SimAccount.clientID, clientSecret: VenueSecret(SimAccount.clientSecret), accessToken: VenueSecret(accessToken))
        return try CTraderClient(venueID: "ctrader-test", configuration: configuration, tokens: source, logger: testLogger)
    }

    var ctrader: SimulatorAdmin { SimulatorAdmin(base: self.admin, venue: "ctrader") }
    var face: CTraderSimulator { self.simulator.ctrader! }

    func setFaults(_ json: String) async throws { try await self.ctrader.setFaults(json) }
    func orders() async throws -> [[String: Any]] { try await self.ctrader.list("orders") }
    func status() async throws -> [String: Int] { try await self.ctrader.status() }

    /// Request frames the venue received with `payloadType`, decoded.
    func frames(_ payloadType: Int) -> [[String: Any]] {
        self.face.receivedFrames().compactMap { text in
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                object["payloadType"] as? Int == payloadType
            else { return nil }
            return object
        }
    }
}

/// Runs the simulator on ephemeral ports while `body` runs.
func withSimulator<R: Sendable>(
    configure: (inout VenueSimulatorConfiguration) -> Void = { _ in }, _ body: (CTraderHarness) async throws -> R
) async throws -> R {
    var configuration = VenueSimulatorConfiguration.ephemeral
    configure(&configuration)
    let simulator = try VenueSimulator(configuration: configuration, logger: testLogger)
    return try await withRunningServices([simulator], logger: testLogger) {
        let listeners = try await simulator.listeners()
        let venue = try #require(listeners.venues["ctrader"])
        return try await body(CTraderHarness(
            simulator: simulator, venue: URL(string: "ws://\(venue.host):\(venue.port)")!,
            admin: URL(string: "http://\(listeners.admin.host):\(listeners.admin.port)")!))
    }
}

/// A token source whose access token can be replaced, counting how often the client asked for a newer one.
actor RotatingTokens: VenueTokenSource {
    private var token: VenueToken
    private(set) var rejections = 0

    init(accessToken: String) {
        self.token = VenueToken(value: Self.material(accessToken), expiresAt: nil, generation: 1)
    }

    func rotate(to accessToken: String) {
        self.token = VenueToken(value: Self.material(accessToken), expiresAt: nil, generation: self.token.generation + 1)
    }

    func currentToken() async throws(VenueError) -> VenueToken { self.token }

    func tokenRejected(_ token: VenueToken) async throws(VenueError) -> VenueToken {
        self.rejections += 1
        return self.token
    }

    private static func material(_ accessToken: String) -> VenueSecret {
        CTraderCredentials.material(
            clientID: SimAccount.clientID, clientSecret: VenueSecret(SimAccount.clientSecret), accessToken: VenueSecret(accessToken))
    }
}

/// A place request in units.
func order(
    _ quantity: Decimal, _ symbol: String = "EURUSD", side: OrderSide = .buy, type: OrderType = .market, price: Decimal? = nil,
    stopLoss: Decimal? = nil, takeProfit: Decimal? = nil, id: String = "ct-1", key: String? = nil
) -> VenuePlaceRequest {
    VenuePlaceRequest(
        clientOrderID: id, symbol: symbol, side: side, quantity: quantity, orderType: type, price: price, stopLoss: stopLoss,
        takeProfit: takeProfit, idempotencyKey: key)
}
