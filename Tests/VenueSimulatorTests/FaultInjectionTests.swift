import Foundation
import Testing

/// The admin API's fault injection on MT4Server, observed with curl.
@Suite(.timeLimit(.minutes(3)))
struct FaultInjectionTests {
    static let order = #"{"pair":"BTCUSD","amount":0.5,"op":"sell"}"#

    @Test func tokenTTLAddsExpAndExpiredTokensAre403() async throws {
        try await withSimulator { sim in
            let lasting = try await sim.token()
            let set = try await sim.adminPost("/mt4server/faults", json: #"{"tokenTTL":4}"#)
            #expect(set.status == 200)
            let token = try await sim.token()
            let claims = try #require(jwtSegment(token, 1))
            let issuedAt = try #require((claims["iat"] as? NSNumber)?.int64Value)
            let expiry = try #require((claims["exp"] as? NSNumber)?.int64Value)
            #expect((4...5).contains(expiry - issuedAt))
            #expect(try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/balance")).status == 200)
            let expired = try await eventually(timeout: .seconds(30)) {
                try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/balance")).status == 403
            }
            #expect(expired)
            #expect(try await Curl.run(sim.authorized(lasting, "GET", "/exchanges/ava/balance")).status == 200)
            try await sim.adminPost("/mt4server/faults", json: #"{"tokenTTL":null}"#)
            #expect(jwtSegment(try await sim.token(), 1)?["exp"] == nil)
        }
    }

    @Test func expireTokensRevokesEveryTokenIssuedSoFar() async throws {
        try await withSimulator { sim in
            let first = try await sim.token()
            let second = try await sim.token()
            try await sim.adminPost("/mt4server/faults", json: #"{"expireTokens":true}"#)
            for token in [first, second] {
                let result = try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/orders"))
                #expect(result.status == 403)
            }
            let fresh = try await sim.token()
            #expect(try await Curl.run(sim.authorized(fresh, "GET", "/exchanges/ava/orders")).status == 200)
        }
    }

    @Test func hangOrdersAcceptsTheOrderButNeverAnswers() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            try await sim.adminPost("/mt4server/faults", json: #"{"hangOrders":true}"#)
            let result = try await Curl.run(
                ["--max-time", "2"] + sim.authorized(token, "POST", "/exchanges/ava/orders", json: Self.order))
            #expect(result.exitCode == 28, "curl should time out, got exit \(result.exitCode)")
            #expect(result.status == nil)
            let orders = try await sim.acceptedOrders()
            try #require(orders.count == 1)
            #expect(orders[0]["responseWithheld"] as? Bool == true)
            #expect(orders[0]["status"] as? String == "open")
            #expect(orders[0]["pair"] as? String == "BTCUSD")
            let post = try await sim.requestLog().last { $0["method"] as? String == "POST" }
            #expect(post?["status"] as? Int == 0)
            #expect(
                try await eventually { try await sim.status()["withheldResponses"] == 0 }, "released when curl left")
            let listed = try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/orders"))
            #expect(listed.text.contains("\"orderType\":\"sell\""), "the withheld order is live at the venue")
        }
    }

    @Test func errorRateOneAnswersEveryRequestWithTheConfiguredStatus() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            try await sim.adminPost("/mt4server/faults", json: #"{"errorRate":1}"#)
            let ping = try await Curl.run([sim.venue + "/"])
            #expect(ping.status == 500)
            #expect(ping.text == "There was an internal server error.")
            try await sim.adminPost("/mt4server/faults", json: #"{"errorStatus":503}"#)
            let order = try await Curl.run(sim.authorized(token, "POST", "/exchanges/ava/orders", json: Self.order))
            #expect(order.status == 503)
            #expect(try await sim.acceptedOrders().isEmpty, "an injected error is answered before processing")
        }
    }

    @Test func dropRateOneClosesTheConnectionWithoutAResponse() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            try await sim.adminPost("/mt4server/faults", json: #"{"dropRate":1}"#)
            let result = try await Curl.run(sim.authorized(token, "POST", "/exchanges/ava/orders", json: Self.order))
            #expect([52, 56].contains(result.exitCode), "curl exit \(result.exitCode)")
            #expect(result.status == nil)
            #expect(try await sim.acceptedOrders().isEmpty)
            let log = try await sim.requestLog()
            #expect(log.last?["status"] as? Int == 0)
        }
    }

    @Test func latencyIsAddedBeforeAnswering() async throws {
        try await withSimulator { sim in
            try await sim.adminPost("/mt4server/faults", json: #"{"latencyMs":400}"#)
            let slow = try await Curl.run([sim.venue + "/"])
            #expect(slow.status == 200)
            #expect(slow.seconds >= 0.4, "took \(slow.seconds) s")
            let cleared = try await sim.adminPost("/mt4server/faults", json: #"{"latencyMs":0}"#)
            #expect(cleared.text.contains("\"latencyMs\":0"))
        }
    }

    @Test func requestLogRecordsEveryCallInOrder() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            _ = try await Curl.run(sim.authorized(token, "GET", "/exchanges/demo/tickers?tickers=BTCUSD"))
            _ = try await Curl.run(sim.authorized(token, "DELETE", "/exchanges/demo/orders/7"))
            let log = try await sim.requestLog()
            #expect(log.map { $0["method"] as? String } == ["POST", "GET", "DELETE"])
            #expect(
                log.map { $0["path"] as? String } == ["/token", "/exchanges/demo/tickers", "/exchanges/demo/orders/7"])
            #expect(log.map { $0["status"] as? Int } == [200, 200, 200])
            #expect(log[1]["query"] as? String == "tickers=BTCUSD")
            #expect((log[0]["at"] as? String)?.hasSuffix("Z") == true)
        }
    }

    @Test func resetClearsOrdersBalancesLogAndFaultsButKeepsTokens() async throws {
        try await withSimulator { sim in
            let token = try await sim.token()
            let ticket = try await Curl.run(sim.authorized(token, "POST", "/exchanges/ava/orders", json: Self.order))
                .text
            _ = try await Curl.run(sim.authorized(token, "DELETE", "/exchanges/ava/orders/\(ticket)"))
            try await sim.adminPost("/mt4server/faults", json: #"{"latencyMs":5,"errorRate":0.5,"tokenTTL":60}"#)
            let reset = try await sim.adminPost("/mt4server/reset")
            #expect(reset.status == 200)
            #expect(try await sim.acceptedOrders().isEmpty)
            #expect(try await sim.requestLog().isEmpty)
            let faults = try #require(try await sim.adminGet("/mt4server/faults") as? [String: Any])
            #expect(faults["latencyMs"] as? Int == 0)
            #expect((faults["errorRate"] as? NSNumber)?.doubleValue == 0)
            #expect(faults["tokenTTL"] is NSNull)
            let balance = try await Curl.run(sim.authorized(token, "GET", "/exchanges/ava/balance"))
            #expect(balance.status == 200)
            #expect(balance.text == "10000.0")
            let next = try await Curl.run(sim.authorized(token, "POST", "/exchanges/ava/orders", json: Self.order)).text
            #expect((Int(next) ?? 0) > (Int(ticket) ?? .max), "tickets are never reused")
        }
    }

    @Test func invalidFaultRequestsAre400AndChangeNothing() async throws {
        try await withSimulator { sim in
            for body in [
                #"{"errorRate":1.5}"#, #"{"dropRate":-1}"#, #"{"latencyMs":"x"}"#, #"{"errorStatus":404}"#,
                #"{"tokenTTL":0}"#, #"{"typo":true}"#, "[1]", "not json",
            ] {
                let result = try await sim.adminPost("/mt4server/faults", json: body)
                #expect(result.status == 400, "\(body)")
                let error = try JSONSerialization.jsonObject(with: result.body) as? [String: Any]
                #expect(error?["error"] is String)
            }
            let faults = try #require(try await sim.adminGet("/mt4server/faults") as? [String: Any])
            #expect(faults["errorStatus"] as? Int == 500)
            #expect(faults["hangOrders"] as? Bool == false)
        }
    }
}
