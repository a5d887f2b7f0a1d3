import Foundation
import Testing

/// The ticker WebSocket (`/exchanges/{broker}/ticker?ticker=SYM`), driven by curl speaking raw HTTP/1.1.
@Suite(.timeLimit(.minutes(3)))
struct MT4ServerWebSocketTests {
    static let upgrade = [
        "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
        "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ]

    @Test func upgradeWithoutAValidJWTIsRefusedWith403() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            for extra in [[], ["-H", "Authorization: Bearer \(token)"], ["-H", "Authorization: nope"]] {
                let result = try await Curl.run(
                    ["--max-time", "5"] + Self.upgrade + extra + [sim.venue + "/exchanges/ava/ticker?ticker=BTCUSD"])
                #expect(result.status == 403, "\(extra)")
                #expect(result.text == "The supplied authentication is not authorized to access this resource")
                #expect(result.headers["content-type"] == "text/plain; charset=UTF-8")
            }
            #expect(try await sim.requestLog().map { $0["status"] as? Int }.suffix(3) == [403, 403, 403])
        }
    }

    @Test func upgradeWithAJWTIs101AndStreamsTickerDataFrames() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let result = try await Curl.run(
                ["--max-time", "2"] + Self.upgrade + ["-H", "Authorization: \(token)"]
                    + [sim.venue + "/exchanges/icmarkets/ticker?ticker=ETHUSD"])
            #expect(result.status == 101)
            #expect(result.exitCode == 28, "the stream stays open until curl gives up")
            let frames = Curl.webSocketTextFrames(result.body)
            // Pushed every 50 ms: several frames arrive in 2 s even on a loaded machine (about 40 when idle).
            #expect(frames.count >= 2, "\(frames.count) frames in 2 s at 50 ms")
            for frame in frames {
                let ticker = try #require(try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [String: Any])
                #expect(ticker["name"] as? String == "ETHUSD")
                let bid = try #require((ticker["bid"] as? NSNumber)?.doubleValue)
                let ask = try #require((ticker["ask"] as? NSNumber)?.doubleValue)
                #expect(bid > 1_000 && bid < ask)
            }
            #expect(try await sim.requestLog().last?["status"] as? Int == 101)
        }
    }

    @Test func unknownSymbolStreamsEmptyTickerData() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let result = try await Curl.run(
                ["--max-time", "2"] + Self.upgrade + ["-H", "Authorization: \(token)"]
                    + [sim.venue + "/exchanges/demo/ticker?ticker=DOGEUSD"])
            #expect(result.status == 101)
            let frames = Curl.webSocketTextFrames(result.body)
            #expect(!frames.isEmpty)
            #expect(frames.allSatisfy { $0 == #"{"name":"","time":0,"bid":0.0,"ask":0.0,"last":0.0,"volume":0.0}"# })
        }
    }

    @Test func dropWebSocketsClosesOpenStreamsAtOnce() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let arguments =
                ["--max-time", "20"] + Self.upgrade + ["-H", "Authorization: \(token)"]
                + [sim.venue + "/exchanges/ava/ticker?ticker=BTCUSD"]
            try await withThrowingTaskGroup(of: CurlResult.self) { group in
                group.addTask { try await Curl.run(arguments) }
                #expect(try await eventually { try await sim.status()["openWebSockets"] == 1 })
                try await sim.adminPost("/mt4server/faults", json: #"{"dropWebSockets":true}"#)
                let result = try #require(try await group.next())
                #expect(result.status == 101)
                #expect(result.exitCode != 28, "curl saw the connection close")
                #expect(try await sim.status()["openWebSockets"] == 0)
            }
        }
    }

    @Test func plainGETOnTheTickerPathIsNotAnUpgrade() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let plain = try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/ticker?ticker=BTCUSD"))
            #expect(plain.status == 400)
            #expect(plain.text == "Expected WebSocket Upgrade request")
            let missing = try await Curl.run(
                Self.upgrade + ["-H", "Authorization: \(token)", sim.venue + "/exchanges/ava/ticker"])
            #expect(missing.status == 404)
            let broker = try await Curl.run(
                Self.upgrade + ["-H", "Authorization: \(token)", sim.venue + "/exchanges/x/ticker?ticker=A"])
            #expect(broker.status == 500)
        }
    }

    @Test func upgradeFaultsRefuseOrDropTheHandshake() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let request =
                Self.upgrade + ["-H", "Authorization: \(token)", sim.venue + "/exchanges/ava/ticker?ticker=BTCUSD"]
            try await sim.adminPost("/mt4server/faults", json: #"{"errorRate":1,"errorStatus":503}"#)
            let refused = try await Curl.run(["--max-time", "5"] + request)
            #expect(refused.status == 503)
            try await sim.adminPost("/mt4server/faults", json: #"{"errorRate":0,"dropRate":1}"#)
            let dropped = try await Curl.run(["--max-time", "5"] + request)
            #expect([52, 56].contains(dropped.exitCode), "curl exit \(dropped.exitCode)")
            #expect(dropped.status == nil)
            #expect(try await sim.status()["openWebSockets"] == 0)
        }
    }
}
