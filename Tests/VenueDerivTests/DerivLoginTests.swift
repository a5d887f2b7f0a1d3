import Foundation
import TestSupport
import Testing
import VenueDeriv
import VenueKit
import VenueSimulator

/// What the auth-token-broker does for Deriv: prove the API token with `authorize` before granting it.
@Suite(.timeLimit(.minutes(3)))
struct DerivLoginTests {
    @Test func aWorkingTokenNamesItsAccountAndScopes() async throws {
        try await withSimulator { sim in
            let account = try await DerivLogin.verify(
                configuration: DerivConfiguration(endpoint: sim.venue), apiToken: VenueSecret(SimTokens.trading),
                logger: testLogger)
            #expect(account.loginID == "VRTC1000001")
            #expect(account.currency == "USD")
            #expect(account.scopes.isSuperset(of: ["read", "trade", "trading_information"]))
            #expect(try await eventually { try await sim.status()["openConnections"] == 0 }, "the connection is closed after")
        }
    }

    @Test func aRefusedTokenIsUnauthorizedAndAnUnreachableVenueIsNot() async throws {
        try await withSimulator { sim in
            do {
                _ = try await DerivLogin.verify(
                    configuration: DerivConfiguration(endpoint: sim.venue), apiToken: VenueSecret("revoked-token-1"),
                    logger: testLogger)
                Issue.record("a refused token must throw")
            } catch let error as VenueError {
                #expect(error.code == .unauthorized, "revoked: retrying will not help")
                #expect(!error.description.contains("revoked-token-1"), "the token never appears in an error")
            }
        }
        var configuration = DerivConfiguration(endpoint: URL(string: "ws://127.0.0.1:9")!)
        configuration.requestTimeout = .seconds(2)
        do {
            _ = try await DerivLogin.verify(configuration: configuration, apiToken: VenueSecret(SimTokens.trading), logger: testLogger)
            Issue.record("an unreachable venue must throw")
        } catch {
            #expect(error.code == .unreachable, "transient: \(error)")
        }
    }
}
