import Foundation
import TestSupport
import Testing

/// The `venue-sim` executable: prints its listeners, serves, and exits 0 on SIGTERM.
@Suite(.timeLimit(.minutes(3)))
struct VenueSimExecutableTests {
    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `venue-sim` next to the test bundle (same build directory), else in the usual build directories.
    private static func executable() throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("venue-sim")
        let candidates =
            [beside]
            + [".build-sim/debug/venue-sim", ".build/debug/venue-sim", ".build/release/venue-sim"]
            .map { Self.repositoryRoot.appendingPathComponent($0) }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "venue-sim is not built: run `swift build --product venue-sim` before `swift test`")
    }

    @Test func printsOneLinePerListenerServesAndStopsCleanlyOnSIGTERM() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("venue-sim-\(UUID()).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try ChildProcess(
            try Self.executable().path,
            [
                "--admin-port", "0", "--mt4-port", "0", "--cplugin-port", "0", "--magnr-port", "0", "--deriv-port", "0",
                "--ctrader-port", "0", "--log-level", "warning", "--mt4-token-ttl", "120", "--cplugin-token-ttl", "90",
                "--magnr-fill-delay-ms", "0",
            ],
            environment: [
                "VENUE_SIM_MT4_API_KEY": "env-key", "VENUE_SIM_CPLUGIN_CLIENT_SECRET": "env-secret",
                "VENUE_SIM_MAGNR_PRIVATE_KEY": "env-magnr-key",
            ],
            stdout: .file(output.path))
        defer { process.signal(SIGKILL) }

        var lines: [String: String] = [:]
        let printed = try await eventually(timeout: .seconds(20)) {
            let text = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { lines[String(parts[0])] = String(parts[1]) }
            }
            return lines["admin"] != nil && lines["mt4server"] != nil && lines["cplugin"] != nil
                && lines["magnr"] != nil && lines["deriv"] != nil && lines["ctrader"] != nil
        }
        try #require(printed, "venue-sim printed \(lines)")
        let venue = try #require(lines["mt4server"])
        #expect(venue.hasPrefix("127.0.0.1:"))
        let wrongKey = try await Curl.run(["-X", "POST", "http://\(venue)/token", "-d", "sim-mt4-api-key"])
        #expect(wrongKey.status == 500, "the environment's key replaces the default")
        let token = try await Curl.run(["-X", "POST", "http://\(venue)/token", "-d", "env-key"])
        #expect(token.status == 200)
        #expect(jwtSegment(token.text, 1)?["exp"] != nil, "--mt4-token-ttl sets exp")
        let cplugin = try #require(lines["cplugin"])
        #expect(cplugin.hasPrefix("127.0.0.1:") && cplugin != venue)
        let form = "grant_type=client_credentials&client_id=sim-cplugin-client&client_secret="
        let defaultSecret = try await Curl.run(
            ["-X", "POST", "http://\(cplugin)/connect/token", "-d", form + "sim-cplugin-secret"])
        #expect(defaultSecret.status == 400, "the environment's secret replaces the default")
        let grant = try await Curl.run(["-X", "POST", "http://\(cplugin)/connect/token", "-d", form + "env-secret"])
        #expect(grant.status == 200)
        let answer = try JSONSerialization.jsonObject(with: grant.body) as? [String: Any]
        #expect(answer?["expires_in"] as? Int == 90, "--cplugin-token-ttl sets expires_in")
        let magnr = try #require(lines["magnr"])
        #expect(magnr.hasPrefix("127.0.0.1:") && ![venue, cplugin].contains(magnr))
        let defaultKey = try await Curl.run(
            try await magnrArguments(base: "http://\(magnr)", "POST", "/api/v1/trades/", json: magnrTrade()))
        #expect(defaultKey.status == 401, "the environment's private key replaces the default")
        let created = try await Curl.run(
            try await magnrArguments(
                base: "http://\(magnr)", "POST", "/api/v1/trades/", json: magnrTrade(), privateKey: "env-magnr-key"))
        #expect(created.status == 201 && created.text == #"{"id":1001}"#)
        let trade = try await Curl.run(
            try await magnrArguments(
                base: "http://\(magnr)", "GET", "/api/v1/trades/1001/", privateKey: "env-magnr-key"))
        #expect(trade.text.contains(#""status":"open""#), "--magnr-fill-delay-ms 0 fills at once: \(trade.text)")
        let ctrader = try #require(lines["ctrader"])
        #expect(ctrader.hasPrefix("127.0.0.1:") && ![venue, cplugin, magnr].contains(ctrader))
        let adminAddress = try #require(lines["admin"])
        let admin = try await Curl.run(["http://\(adminAddress)/mt4server/faults"])
        #expect(admin.status == 200)
        let magnrStatus = try await Curl.run(["http://\(adminAddress)/magnr/status"])
        #expect(magnrStatus.status == 200 && magnrStatus.text.contains(#""signatureRejections":1"#))

        process.signal(SIGTERM)
        #expect(await process.wait(timeout: .seconds(30)) == 0, "exits 0 on SIGTERM (not by a signal)")
    }
}
