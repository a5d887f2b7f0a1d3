import Foundation
import TestSupport
import Testing
import VenueSimulator

/// The cTrader venue's configuration and its `venue-sim` options.
@Suite(.timeLimit(.minutes(1)))
struct CTraderConfigurationTests {
    @Test func defaultsMatchTheDocumentedValues() throws {
        let configuration = VenueSimulatorConfiguration()
        let ctrader = configuration.ctrader
        #expect(ctrader.port == 8805 && ctrader.accountId == 1_000_001 && ctrader.traderLogin == 5_550_001)
        #expect(ctrader.clientId == "sim-ctrader-client" && ctrader.clientSecret == "sim-ctrader-secret")
        #expect(ctrader.accessToken == "sim-ctrader-access" && ctrader.refreshToken == "sim-ctrader-refresh")
        #expect(ctrader.startingBalance == 10_000 && ctrader.leverageInCents == 10_000)
        #expect(ctrader.tokenLifetime == 2_628_000 && ctrader.requestsPerSecond == 50)
        #expect(ctrader.heartbeatTimeout == .seconds(10) && ctrader.serverHeartbeatInterval == .seconds(10))
        #expect(VenueSimulatorConfiguration.ephemeral.ctrader.port == 0)
        try configuration.validate()
        for secret in ["sim-ctrader-secret", "sim-ctrader-access", "sim-ctrader-refresh"] {
            #expect(!ctrader.description.contains(secret))
        }
    }

    @Test func invalidConfigurationsAreRejected() {
        var clash = VenueSimulatorConfiguration()
        clash.ctrader.port = 8804
        var badSecret = VenueSimulatorConfiguration()
        badSecret.ctrader.clientSecret = "has space"
        var sameTokens = VenueSimulatorConfiguration()
        sameTokens.ctrader.refreshToken = sameTokens.ctrader.accessToken
        var noBudget = VenueSimulatorConfiguration()
        noBudget.ctrader.requestsPerSecond = 0
        var instant = VenueSimulatorConfiguration()
        instant.ctrader.heartbeatTimeout = .zero
        var noAccount = VenueSimulatorConfiguration()
        noAccount.ctrader.accountId = 0
        var noTTL = VenueSimulatorConfiguration()
        noTTL.ctrader.tokenLifetime = 0
        for configuration in [clash, badSecret, sameTokens, noBudget, instant, noAccount, noTTL] {
            #expect(throws: VenueSimulatorError.self) { try configuration.validate() }
        }
    }

    /// `venue-sim` next to the test bundle (same build directory), else in the usual build directories.
    private static func executable() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("venue-sim")
        let candidates =
            [beside]
            + [".build/debug/venue-sim", ".build/release/venue-sim"].map {
                root.appendingPathComponent($0)
            }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path,
            "venue-sim is not built: run `swift build --product venue-sim` before `swift test`")
    }

    @Test func venueSimTakesTheCTraderOptionsAndSecretsFromTheEnvironment() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("venue-sim-ctrader-\(UUID()).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try ChildProcess(
            try Self.executable(),
            [
                "--admin-port", "0", "--mt4-port", "0", "--cplugin-port", "0", "--magnr-port", "0", "--deriv-port", "0",
                "--ctrader-port", "0", "--ctrader-refresh-token", "flag-refresh", "--ctrader-token-ttl", "77",
                "--ctrader-heartbeat-timeout-ms", "60000", "--log-level", "warning",
            ],
            environment: [
                "VENUE_SIM_CTRADER_CLIENT_SECRET": "env-ctrader-secret",
                "VENUE_SIM_CTRADER_REFRESH_TOKEN": "env-refresh",
            ],
            stdout: .file(output.path))
        defer { process.signal(SIGKILL) }
        var address: String?
        let printed = try await TestSupport.eventually {
            let text = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            address = text.split(separator: "\n").first { $0.hasPrefix("ctrader=") }.map { String($0.dropFirst(8)) }
            return address != nil && text.contains("admin=")
        }
        try #require(printed)
        #expect(address?.hasPrefix("127.0.0.1:") == true)
        let port = try #require(address.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) })
        let (socket, handshake) = try await RawWebSocket.connect(port: port, target: "/")
        let raw = try #require(socket, "upgrade answered \(handshake.status)")
        func call(_ text: String) async throws -> String {
            try await raw.send(text: text)
            guard case .text(let answer) = try await raw.next(timeout: .seconds(20)) else { return "" }
            return answer
        }
        let auth = #"{"payloadType":2100,"payload":{"clientId":"sim-ctrader-client","clientSecret":"#
        #expect(try await call(auth + #""sim-ctrader-secret"}}"#).contains("CH_CLIENT_AUTH_FAILURE"))
        #expect(try await call(auth + #""env-ctrader-secret"}}"#).contains(#""payloadType":2101"#))
        #expect(try await call(#"{"payloadType":2173,"payload":{"refreshToken":"env-refresh"}}"#).contains("2142"))
        let grant = try await call(#"{"payloadType":2173,"payload":{"refreshToken":"flag-refresh"}}"#)
        #expect(grant.contains(#""payloadType":2174"#) && grant.contains(#""expiresIn":77"#), "the flag wins: \(grant)")
        process.signal(SIGTERM)
        #expect(await process.wait(timeout: .seconds(30)) == 0)
    }
}
