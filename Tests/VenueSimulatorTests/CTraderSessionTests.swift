import Foundation
import Testing
import VenueSimulator

/// The cTrader face's envelope, authentication, heartbeats, rate limit and connection handling, over
/// ``RawWebSocket``. Serialized: each test starts a simulator; conditions are waited for, never timed.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CTraderSessionTests {
    @Test func applicationAuthGatesEverythingButVersionAndHeartbeats() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.connect(sim)
            try await client.heartbeat()
            let version = try await client.call(2104)
            #expect(ctraderType(version) == 2105 && ctraderPayload(version)["version"] as? String == "sim-1")
            #expect(client.messages.count == 1, "a heartbeat is not answered")
            let early = try await client.accountCall(2121)
            #expect(ctraderType(early) == 2142 && ctraderError(early) == "CH_CLIENT_NOT_AUTHENTICATED")
            #expect(ctraderError(try await client.call(2173, ["refreshToken": "x"])) == "CH_CLIENT_NOT_AUTHENTICATED")
            let wrong = try await client.call(
                2100, ["clientId": CTraderDefaults.clientID, "clientSecret": "not-the-secret"])
            #expect(ctraderType(wrong) == 2142 && ctraderError(wrong) == "CH_CLIENT_AUTH_FAILURE")
            let id = try await client.send(
                2100, ["clientId": CTraderDefaults.clientID, "clientSecret": CTraderDefaults.clientSecret])
            let ok = try #require(try await client.first { $0["clientMsgId"] as? String == id })
            #expect(ctraderType(ok) == 2101 && ctraderPayload(ok).isEmpty)
            let again = try await client.call(
                2100, ["clientId": CTraderDefaults.clientID, "clientSecret": CTraderDefaults.clientSecret])
            #expect(ctraderError(again) == "CH_CLIENT_ALREADY_AUTHENTICATED")
            #expect(ctraderError(try await client.accountCall(2121)) == "ACCOUNT_NOT_AUTHORIZED")
        }
    }

    @Test func accountAuthChecksTheTokenAndTheAccount() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.connect(sim)
            try await client.authenticateApplication()
            let badToken = try await client.call(
                2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": "nope"])
            #expect(ctraderError(badToken) == "CH_ACCESS_TOKEN_INVALID")
            #expect(ctraderPayload(badToken)["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            let unknown = try await client.call(
                2102, ["ctidTraderAccountId": 42, "accessToken": CTraderDefaults.accessToken])
            #expect(ctraderError(unknown) == "CH_CTID_TRADER_ACCOUNT_NOT_FOUND")
            let ok = try await client.payload(
                2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": CTraderDefaults.accessToken],
                expecting: 2103)
            #expect(ok["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            _ = try await client.payload(
                2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": CTraderDefaults.accessToken],
                expecting: 2103)
            let trader = try await client.accountCall(2121)
            #expect(ctraderType(trader) == 2122)
            let other = try await client.accountCall(2121, account: 42)
            #expect(ctraderError(other) == "ACCOUNT_NOT_AUTHORIZED")
            #expect(ctraderPayload(other)["ctidTraderAccountId"] as? Int == 42)

            let second = try await CTraderTestClient.connect(sim)
            try await second.authenticateApplication()
            let refused = try await second.accountCall(
                2106, ["symbolId": 1, "orderType": 1, "tradeSide": 1, "volume": 100_000])
            #expect(ctraderError(refused) == "ACCOUNT_NOT_AUTHORIZED", "authorized on another connection only")
            #expect(try await sim.ctraderOrders().isEmpty, "not executed")
            let list = try await second.payload(2149, ["accessToken": CTraderDefaults.accessToken], expecting: 2150)
            let accounts = try #require(list["ctidTraderAccount"] as? [[String: Any]])
            #expect(accounts.first?["ctidTraderAccountId"] as? Int == CTraderDefaults.account)
            #expect(accounts.first?["traderLogin"] as? Int == 5_550_001)
            let status = try await sim.ctraderStatus()
            #expect(status["authenticatedAccounts"] == 1 && status["openConnections"] == 2)
        }
    }

    @Test func malformedFramesAreAnsweredAndTheConnectionStays() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.connect(sim)
            for text in [
                "not json", "[1,2]", #"{"payload":{}}"#, #"{"payloadType":"2104"}"#, #"{"payloadType":2104.5}"#,
                #"{"clientMsgId":7,"payloadType":2104}"#, #"{"payloadType":2104,"payload":[]}"#,
            ] {
                try await client.send(text: text)
                let answer = try #require(try await client.read())
                #expect(ctraderType(answer) == 50 && ctraderError(answer) == "INVALID_REQUEST", "\(text)")
            }
            try await client.send(text: #"{"clientMsgId":"m-1","payloadType":9999,"payload":{}}"#)
            let unsupported = try #require(try await client.read())
            #expect(
                ctraderError(unsupported) == "UNSUPPORTED_MESSAGE" && unsupported["clientMsgId"] as? String == "m-1")
            #expect(ctraderError(try await client.call(2101)) == "UNSUPPORTED_MESSAGE", "a response type is no request")
            try await client.authenticate()
            let order: [String: Any] = ["symbolId": 1, "orderType": 1, "tradeSide": 1, "volume": 100_000]
            let cases: [([String: Any], String)] = [
                (order.filter { $0.key != "volume" }, "volume"),
                (order.merging(["orderType": "BOGUS"]) { $1 }, "orderType"),
                (order.merging(["tradeSide": 3]) { $1 }, "tradeSide"),
                (order.merging(["volume": 1.5]) { $1 }, "volume"),
                (order.merging(["hello": 1]) { $1 }, "hello"), (order.merging(["comment": 5]) { $1 }, "comment"),
                (order.merging(["clientOrderId": String(repeating: "x", count: 51)]) { $1 }, "clientOrderId"),
            ]
            for (payload, field) in cases {
                let answer = try await client.accountCall(2106, payload)
                #expect(ctraderType(answer) == 2142 && ctraderError(answer) == "INVALID_REQUEST", "\(payload)")
                let description = ctraderPayload(answer)["description"] as? String ?? ""
                #expect(description.contains("'\(field)'"), "names \(field): \(description)")
            }
            #expect(ctraderError(try await client.call(2121)) == "INVALID_REQUEST", "ctidTraderAccountId is required")
            #expect(try await sim.ctraderOrders().isEmpty)
            #expect(ctraderType(try await client.call(2104)) == 2105, "still open")
            #expect(!client.isClosed)
            let paths = try await sim.ctraderRequests().compactMap { $0["path"] as? String }
            #expect(paths.filter { $0 == "/error" }.count == 7 && paths.contains("/9999") && paths.contains("/2106"))
        }
    }

    @Test func refreshRotatesTheTokensAndInvalidatesTheOldSessions() async throws {
        try await withSimulator { sim in
            let venue = try sim.ctraderVenue
            let trader = try await CTraderTestClient.authenticated(sim)
            let refresher = try await CTraderTestClient.connect(sim)
            try await refresher.authenticateApplication()
            let grant = try await refresher.payload(
                2173, ["refreshToken": CTraderDefaults.refreshToken], expecting: 2174)
            let access = try #require(grant["accessToken"] as? String)
            let refresh = try #require(grant["refreshToken"] as? String)
            #expect(
                access != CTraderDefaults.accessToken && refresh != CTraderDefaults.refreshToken && access != refresh)
            #expect(grant["tokenType"] as? String == "bearer" && grant["expiresIn"] as? Int == 2_628_000)
            #expect(venue.currentRefreshToken() == refresh)
            let reused = try await refresher.call(2173, ["refreshToken": CTraderDefaults.refreshToken])
            #expect(ctraderType(reused) == 2142 && ctraderError(reused) == "CH_ACCESS_TOKEN_INVALID")
            #expect(ctraderPayload(reused)["description"] as? String == "refresh token already used")

            let notice = try #require(try await trader.first { ctraderType($0) == 2147 }, "2147 delivered")
            #expect(ctraderPayload(notice)["ctidTraderAccountIds"] as? [Int] == [CTraderDefaults.account])
            #expect(ctraderPayload(notice)["reason"] as? String == "Access token was refreshed")
            #expect(notice["clientMsgId"] == nil)
            #expect(ctraderError(try await trader.accountCall(2121)) == "ACCOUNT_NOT_AUTHORIZED")
            let old = try await trader.call(
                2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": CTraderDefaults.accessToken])
            #expect(ctraderError(old) == "CH_ACCESS_TOKEN_INVALID")
            try await trader.authorizeAccount(accessToken: access)
            #expect(ctraderType(try await trader.accountCall(2121)) == 2122)
            #expect(try await sim.ctraderStatus()["refreshes"] == 1)
            #expect(!refresher.messages.contains { ctraderType($0) == 2147 }, "nothing was authorized there")
        }
    }

    @Test func theTokenEndpointRotatesTokensLike2173() async throws {
        try await withSimulator { sim in
            let trader = try await CTraderTestClient.authenticated(sim)
            let client = "client_id=\(CTraderDefaults.clientID)&client_secret=\(CTraderDefaults.clientSecret)"
            let first = try await sim.ctraderToken(
                query: "grant_type=refresh_token&refresh_token=\(CTraderDefaults.refreshToken)&\(client)")
            #expect(first.status == 200 && first.body["tokenType"] as? String == "bearer")
            #expect(first.body["errorCode"] is NSNull && first.body["description"] is NSNull)
            #expect(first.body["expiresIn"] as? Int == 2_628_000)
            let access = try #require(first.body["accessToken"] as? String)
            let refresh = try #require(first.body["refreshToken"] as? String)
            let reused = try await sim.ctraderToken(
                query: "grant_type=refresh_token&refresh_token=\(CTraderDefaults.refreshToken)&\(client)")
            #expect(reused.status == 200 && reused.body["errorCode"] as? String == "ACCESS_DENIED")
            #expect(reused.body["accessToken"] is NSNull && reused.body["refreshToken"] is NSNull)
            let wrongClient = try await sim.ctraderToken(
                query: "grant_type=refresh_token&refresh_token=\(refresh)&client_id=\(CTraderDefaults.clientID)"
                    + "&client_secret=wrong")
            #expect(wrongClient.body["errorCode"] as? String == "INVALID_CLIENT")
            let grantType = try await sim.ctraderToken(query: "grant_type=authorization_code&code=x&\(client)")
            #expect(grantType.body["errorCode"] as? String == "INVALID_REQUEST")
            let posted = try await sim.ctraderToken(
                query: "grant_type=refresh_token&refresh_token=\(refresh)&\(client)", post: true)
            #expect(posted.status == 200 && posted.body["errorCode"] is NSNull)
            let newest = try #require(posted.body["accessToken"] as? String)
            #expect(try sim.ctraderVenue.currentRefreshToken() == posted.body["refreshToken"] as? String)

            let notice = try #require(try await trader.first { ctraderType($0) == 2147 })
            #expect(ctraderPayload(notice)["reason"] as? String == "Access token was refreshed")
            let stale = try await trader.call(
                2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": access])
            #expect(ctraderError(stale) == "CH_ACCESS_TOKEN_INVALID", "the first refreshed token was rotated again")
            try await trader.authorizeAccount(accessToken: newest)
            #expect(try await sim.ctraderStatus()["refreshes"] == 2)
            let logged = try await sim.ctraderRequests().filter { $0["path"] as? String == "/apps/token" }
            #expect(logged.map { $0["method"] as? String } == ["GET", "GET", "GET", "GET", "POST"])
            #expect(logged.allSatisfy { $0["status"] as? Int == 200 })
            let queries = logged.compactMap { $0["query"] as? String }.joined(separator: " ")
            #expect(!queries.contains(CTraderDefaults.clientSecret) && !queries.contains(CTraderDefaults.refreshToken))
        }
    }

    @Test func aSilentConnectionIsClosedAndHeartbeatsKeepOneOpen() async throws {
        try await withSimulator(configure: {
            // A timeout far above the talker's 200 ms rhythm: only a stall of seconds on a loaded machine could close it.
            $0.ctrader.heartbeatTimeout = .seconds(4)
            $0.ctrader.serverHeartbeatInterval = .milliseconds(200)
        }) { sim in
            let silent = try await CTraderTestClient.connect(sim)
            let talker = try await CTraderTestClient.connect(sim)
            // The talker keeps talking until the silent one has been dropped, and a while after (by state, not time).
            var closuresSeen = 0
            for _ in 0..<300 where closuresSeen < 10 {
                try await talker.heartbeat()
                _ = try await talker.read(timeout: .milliseconds(200))
                if try await sim.ctraderStatus()["heartbeatClosures"] == 1 { closuresSeen += 1 }
            }
            #expect(closuresSeen == 10, "the silent connection was dropped while the talker talked")
            #expect(!talker.isClosed, "a connection sending heartbeats outlives the silent one")
            #expect(talker.messages.filter { ctraderType($0) == 51 }.count >= 2, "the server sends heartbeats")
            #expect(try await silent.readUntilClosed(), "the silent connection was closed")
            #expect(silent.closeCode == .some(1000), "with a close frame")
            #expect(silent.messages.contains { ctraderType($0) == 51 }, "server heartbeats do not keep it open")
            #expect(try await ctraderEventually { try await sim.ctraderStatus()["heartbeatClosures"] == 1 })
            #expect(ctraderType(try await talker.call(2104)) == 2105)
        }
    }

    @Test func theRateLimitRefusesRequestsOverTheBudgetButNotHeartbeats() async throws {
        try await withSimulator(configure: { $0.ctrader.requestsPerSecond = 2 }) { sim in
            let client = try await CTraderTestClient.connect(sim)
            var ids: [String] = []
            for _ in 0..<20 { ids.append(try await client.send(2104)) }
            let answers = try await client.collect(20) { ids.contains($0["clientMsgId"] as? String ?? "") }
            let refused = answers.filter { ctraderError($0) == "REQUEST_FREQUENCY_EXCEEDED" }
            #expect(!refused.isEmpty && answers.count == 20)
            #expect(answers.filter { ctraderType($0) == 2105 }.count >= 2)
            #expect(refused.allSatisfy { (ctraderPayload($0)["retryAfter"] as? Int ?? 0) >= 1 })
            #expect(try await sim.ctraderStatus()["rateLimited"] == refused.count)
            // Once the window has passed, heartbeats alone never use up the budget.
            #expect(try await ctraderEventually { ctraderType(try await client.call(2104)) == 2105 })
            for _ in 0..<20 { try await client.heartbeat() }
            #expect(ctraderType(try await client.call(2104)) == 2105)
        }
    }

    @Test func theEndpointIsTheRootPathAndOversizedFramesClose() async throws {
        try await withSimulator { sim in
            let (socket, handshake) = try await RawWebSocket.connect(port: sim.ctraderPort, target: "/ws")
            #expect(socket == nil && handshake.status == 404)
            let plain = try await Curl.run(["http://127.0.0.1:\(sim.ctraderPort)/"])
            #expect(plain.status == 426)
            let elsewhere = try await Curl.run(["http://127.0.0.1:\(sim.ctraderPort)/apps/other"])
            #expect(elsewhere.status == 404)
            let client = try await CTraderTestClient.connect(sim, target: "/?x=1")
            #expect(ctraderType(try await client.call(2104)) == 2105)
            let padding = String(repeating: "x", count: 70_000)
            // The server may close while the frame is still being written: a failed write is expected then.
            try? await client.send(text: #"{"payloadType":2104,"clientMsgId":""# + padding + #""}"#)
            #expect(try await client.readUntilClosed())
            #expect(client.closeCode == .some(1009))
        }
    }
}
