import Foundation
import Testing

/// Hostile input must never crash the venue: after each batch, ping still answers.
@Suite(.timeLimit(.minutes(3)))
struct RobustnessTests {
    @Test func garbageRequestsAreAnsweredAndTheVenueStaysUp() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let big = FileManager.default.temporaryDirectory.appendingPathComponent("venue-sim-big-\(UUID()).bin")
            try Data(repeating: 0x41, count: 9 << 20).write(to: big)
            defer { try? FileManager.default.removeItem(at: big) }
            let cases: [[String]] = [
                sim.authorized(token, "POST", "/exchanges/ava/orders") + ["--data-binary", "@\(big.path)"],
                ["-X", "POST", sim.venue + "/token", "--data-binary", "@\(big.path)"],
                sim.authorized(token, "GET", "/exchanges/%00%ff/orders"),
                sim.authorized(token, "GET", "/exchanges/ava/tickers?tickers=%ZZ,,,"),
                sim.authorized(token, "GET", "/exchanges/ava/tickers?tickers="),
                sim.authorized(
                    token, "POST", "/exchanges/ava/orders", json: #"{"pair":"BTCUSD","amount":1e-300,"op":"buy"}"#),
                sim.authorized(
                    token, "POST", "/exchanges/ava/orders",
                    json: #"{"pair":"BTCUSD","amount":123456789012345678901234567890,"op":"buy"}"#),
                sim.authorized(token, "POST", "/exchanges/ava/orders", json: String(repeating: "[", count: 10_000)),
                [
                    "-X", "GET", sim.venue + "/exchanges/ava/orders", "-H",
                    "Authorization: " + String(repeating: "a.", count: 3_000),
                ],
                ["-X", "GET", sim.venue + "/exchanges/ava/orders", "-H", "Authorization: \u{00e9}.\u{00e9}.\u{00e9}"],
                [
                    "-X", "DELETE", sim.venue + "/exchanges/ava/orders/" + String(repeating: "9", count: 500), "-H",
                    "Authorization: \(token)",
                ],
                ["-X", "OPTIONS", sim.venue + "/"],
                ["-X", "GET", sim.venue + "/" + String(repeating: "x/", count: 2_000)],
            ]
            for arguments in cases {
                let result = try await Curl.run(["--max-time", "10"] + arguments)
                #expect(result.exitCode == 0, "\(arguments.prefix(3)) exit \(result.exitCode)")
                #expect(result.status.map { $0 < 600 } ?? false)
            }
            let ping = try await Curl.run([sim.venue + "/"])
            #expect(ping.text == "It's alive!!!")
            let orders = try await sim.acceptedOrders()
            #expect(orders.allSatisfy { Decimal(string: $0["amount"] as? String ?? "") ?? 0 <= 10_000 })
        }
    }
}
