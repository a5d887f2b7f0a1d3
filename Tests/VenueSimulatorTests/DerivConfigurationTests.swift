import Foundation
import TestSupport
import Testing
import VenueSimulator

/// The Deriv venue's configuration and its `venue-sim` options.
@Suite(.timeLimit(.minutes(3)))
struct DerivConfigurationTests {
    @Test func defaultsMatchTheDocumentedValues() throws {
        let configuration = VenueSimulatorConfiguration()
        #expect(configuration.deriv.port == 8804)
        #expect(configuration.deriv.token == "sim-deriv-token")
        #expect(configuration.deriv.readOnlyToken == "sim-deriv-readonly")
        #expect(configuration.deriv.idleTimeout == .seconds(120))
        #expect(configuration.deriv.callsPerMinute == 360)
        #expect(configuration.deriv.startingBalance == 10_000)
        #expect(VenueSimulatorConfiguration.ephemeral.deriv.port == 0)
        try configuration.validate()
        #expect(!configuration.deriv.description.contains("sim-deriv-token"))
    }

    @Test func invalidConfigurationsAreRejected() {
        var clash = VenueSimulatorConfiguration()
        clash.deriv.port = 8800
        var badToken = VenueSimulatorConfiguration()
        badToken.deriv.token = "has space"
        var sameTokens = VenueSimulatorConfiguration()
        sameTokens.deriv.readOnlyToken = sameTokens.deriv.token
        var noBudget = VenueSimulatorConfiguration()
        noBudget.deriv.callsPerMinute = 0
        var instant = VenueSimulatorConfiguration()
        instant.deriv.idleTimeout = .zero
        for configuration in [clash, badToken, sameTokens, noBudget, instant] {
            #expect(throws: VenueSimulatorError.self) { try configuration.validate() }
        }
    }

    /// `venue-sim` next to the test bundle (same build directory), else in the usual build directories.
    private static func executable() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("venue-sim")
        let candidates = [beside] + [".build/debug/venue-sim", ".build/release/venue-sim"].map {
            root.appendingPathComponent($0)
        }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path,
            "venue-sim is not built: run `swift build --product venue-sim` before `swift test`")
    }

    @Test func venueSimTakesTheDerivOptionsAndTheTokenFromTheEnvironment() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("venue-sim-deriv-\(UUID()).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try ChildProcess(
            try Self.executable(),
            [
                "--admin-port", "0", "--mt4-port", "0", "--cplugin-port", "0", "--magnr-port", "0", "--deriv-port",
                "0", "--ctrader-port", "0", "--deriv-calls-per-minute", "1", "--deriv-idle-timeout-ms", "60000",
                "--log-level", "warning",
            ],
            environment: ["VENUE_SIM_DERIV_TOKEN": "env-deriv-token"], stdout: .file(output.path))
        defer { process.signal(SIGKILL) }
        var address: String?
        let printed = try await TestSupport.eventually {
            let text = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            address = text.split(separator: "\n").first { $0.hasPrefix("deriv=") }.map { String($0.dropFirst(6)) }
            return address != nil && text.contains("admin=")
        }
        try #require(printed)
        let port = try #require(address.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) })
        let (socket, handshake) = try await RawWebSocket.connect(port: port, target: DerivDefaults.endpoint)
        let raw = try #require(socket, "upgrade answered \(handshake.status)")
        func call(_ text: String) async throws -> String {
            try await raw.send(text: text)
            guard case .text(let answer) = try await raw.next(timeout: .seconds(20)) else { return "" }
            return answer
        }
        #expect(try await call(#"{"authorize":"sim-deriv-token"}"#).contains("InvalidToken"))
        #expect(try await call(#"{"authorize":"env-deriv-token"}"#).contains(#""loginid":"VRTC1000001""#))
        let proposal =
            #"{"proposal":1,"contract_type":"MULTUP","symbol":"R_50","currency":"USD","amount":10,"multiplier":80}"#
        #expect(try await call(proposal).contains(#""msg_type":"proposal""#))
        #expect(try await call(proposal).contains("RateLimit"), "--deriv-calls-per-minute 1")
        process.signal(SIGTERM)
        #expect(await process.wait(timeout: .seconds(30)) == 0)
    }
}
