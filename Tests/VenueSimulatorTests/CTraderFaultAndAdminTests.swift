import Foundation
import Testing
import VenueSimulator

/// The cTrader face's fault injection and its admin API (orders, status, requests, reset, frame logs).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CTraderFaultAndAdminTests {
    @Test func injectedErrorsAnswerUnknownErrorWithoutExecuting() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            try await sim.adminPost("/ctrader/faults", json: #"{"errorRate":1}"#)
            let (id, frames) = try await client.marketOrder()
            #expect(frames.count == 1 && ctraderType(frames[0]) == 50 && ctraderError(frames[0]) == "UNKNOWN_ERROR")
            #expect(frames[0]["clientMsgId"] as? String == id)
            #expect(try await sim.ctraderOrders().isEmpty)
            try await sim.adminPost("/ctrader/faults", json: #"{"errorRate":0}"#)
            #expect(ctraderType(try await client.call(2104)) == 2105)
            let orders = try await sim.ctraderRequests().filter { $0["path"] as? String == "/2106" }
            #expect(orders.map { $0["status"] as? Int } == [500] && orders.first?["method"] as? String == "WS")
        }
    }

    @Test func dropsCloseTheConnectionWithoutAnsweringOrExecuting() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            try await sim.adminPost("/ctrader/faults", json: #"{"dropRate":1}"#)
            let id = try await client.send(
                2106,
                [
                    "ctidTraderAccountId": CTraderDefaults.account, "symbolId": 1, "orderType": 1, "tradeSide": 1,
                    "volume": CTraderDefaults.microLot,
                ])
            #expect(try await client.readUntilClosed())
            #expect(client.closeCode == nil, "closed without a close frame")
            #expect(client.messages(for: id).isEmpty)
            #expect(try await sim.ctraderOrders().isEmpty)
            let orders = try await sim.ctraderRequests().filter { $0["path"] as? String == "/2106" }
            #expect(orders.map { $0["status"] as? Int } == [0])
        }
    }

    @Test func hangOrdersExecutesButWithholdsTheEvents() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            try await sim.adminPost("/ctrader/faults", json: #"{"hangOrders":true}"#)
            let orderID = try await client.send(
                2106,
                [
                    "ctidTraderAccountId": CTraderDefaults.account, "symbolId": 1, "orderType": 1, "tradeSide": 1,
                    "volume": CTraderDefaults.microLot, "comment": "hung",
                ])
            #expect(ctraderType(try await client.call(2104)) == 2105, "later frames are answered")
            #expect(client.messages(for: orderID).isEmpty, "no 2126 for the hung order")
            let orders = try await sim.ctraderOrders()
            try #require(orders.count == 1)
            #expect(orders[0]["responseWithheld"] as? Bool == true && orders[0]["status"] as? String == "open")
            #expect(orders[0]["reference"] as? String == "hung")
            let positionID = try #require(orders[0]["ticket"] as? Int)
            let closeID = try await client.send(
                2111,
                [
                    "ctidTraderAccountId": CTraderDefaults.account, "positionId": positionID,
                    "volume": CTraderDefaults.microLot,
                ])
            #expect(ctraderType(try await client.call(2104)) == 2105)
            #expect(client.messages(for: closeID).isEmpty)
            #expect(try await sim.ctraderOrders().first?["status"] as? String == "closed", "the close was executed")
            #expect(try await sim.ctraderStatus()["withheldResponses"] == 2)
            let bad = try await client.marketOrder(volume: 1)
            #expect(bad.frames.map(ctraderError) == ["TRADING_BAD_VOLUME"], "refusals are still answered")
            let statuses = try await sim.ctraderRequests().filter {
                ["/2106", "/2111"].contains($0["path"] as? String)
            }
            #expect(statuses.map { $0["status"] as? Int } == [0, 0, 400])
            #expect(!client.isClosed)
        }
    }

    @Test func dropWebSocketsClosesEveryConnection() async throws {
        try await withSimulator { sim in
            let first = try await CTraderTestClient.authenticated(sim)
            let second = try await CTraderTestClient.connect(sim)
            _ = try await first.accountCall(2127, ["symbolId": [1]])
            _ = try await second.call(2104)
            #expect(try await sim.ctraderStatus()["openConnections"] == 2)
            #expect(try sim.ctraderVenue.perform(.dropWebSockets) == 2)
            for client in [first, second] {
                #expect(try await client.readUntilClosed())
                #expect(client.closeCode == nil)
            }
            #expect(try await ctraderEventually { try await sim.ctraderStatus()["openConnections"] == 0 })
            let result = try await sim.adminPost("/ctrader/faults", json: #"{"dropWebSockets":true}"#)
            #expect(result.status == 200)
        }
    }

    @Test func expireTokensDeauthorizesEveryAccountButKeepsTheRefreshToken() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.authenticated(sim)
            #expect(try sim.ctraderVenue.perform(.expireTokens) == 1)
            let notice = try #require(try await client.first { ctraderType($0) == 2147 })
            #expect(ctraderPayload(notice)["ctidTraderAccountIds"] as? [Int] == [CTraderDefaults.account])
            #expect(ctraderPayload(notice)["reason"] as? String == "Access token expired")
            #expect(ctraderError(try await client.accountCall(2121)) == "ACCOUNT_NOT_AUTHORIZED")
            let again = try await client.call(
                2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": CTraderDefaults.accessToken])
            #expect(ctraderError(again) == "CH_ACCESS_TOKEN_INVALID")
            #expect(try await sim.ctraderStatus()["authenticatedAccounts"] == 0)
            let grant = try await client.payload(2173, ["refreshToken": CTraderDefaults.refreshToken], expecting: 2174)
            try await client.authorizeAccount(accessToken: try #require(grant["accessToken"] as? String))
            #expect(ctraderType(try await client.accountCall(2121)) == 2122)
            let result = try await sim.adminPost("/ctrader/faults", json: #"{"expireTokens":true}"#)
            #expect(result.status == 200)
            #expect(try await client.collect(2) { ctraderType($0) == 2147 }.count == 2)
        }
    }

    @Test func theTokenTTLFaultShortensNewTokensWhichThenExpire() async throws {
        try await withSimulator { sim in
            let client = try await CTraderTestClient.connect(sim)
            try await client.authenticateApplication()
            try await sim.adminPost("/ctrader/faults", json: #"{"tokenTTL":1}"#)
            let grant = try await client.payload(2173, ["refreshToken": CTraderDefaults.refreshToken], expecting: 2174)
            #expect(grant["expiresIn"] as? Int == 1)
            let access = try #require(grant["accessToken"] as? String)
            let answer = try await client.call(
                2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": access])
            if ctraderType(answer) == 2103 {
                let notice = try #require(try await client.first { ctraderType($0) == 2147 }, "expiry is noticed")
                #expect(ctraderPayload(notice)["reason"] as? String == "Access token expired")
            }
            #expect(
                try await ctraderEventually {
                    let retry = try await client.call(
                        2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": access])
                    return ctraderError(retry) == "CH_ACCESS_TOKEN_INVALID"
                })
        }
    }

    @Test func adminOrdersStatusFramesAndResetCoverTheVenue() async throws {
        try await withSimulator { sim in
            let venue = try sim.ctraderVenue
            let client = try await CTraderTestClient.authenticated(sim)
            let (_, frames) = try await client.marketOrder(
                side: 1, volume: 2 * CTraderDefaults.microLot, extra: ["comment": "a"])
            let positionID = try #require(ctraderPositionID(frames.last))
            let sell = try await client.marketOrder(side: 2, symbol: CTraderDefaults.btcusd, volume: 10)
            let sellID = try #require(ctraderPositionID(sell.frames.last))
            let closeID = try await client.send(
                2111, ["ctidTraderAccountId": CTraderDefaults.account, "positionId": sellID, "volume": 10])
            let closed = try #require(
                try await client.first { $0["clientMsgId"] as? String == closeID && ctraderExecution($0) == 3 })
            let gross = try #require(
                ((ctraderPayload(closed)["deal"] as? [String: Any])?["closePositionDetail"] as? [String: Any])?[
                    "grossProfit"] as? Int)
            let pending = try await client.accountCall(
                2106,
                ["symbolId": 4, "orderType": 3, "tradeSide": 1, "volume": 100, "stopPrice": 9_999, "comment": "gold"])
            let pendingID = try #require((ctraderPayload(pending)["order"] as? [String: Any])?["orderId"] as? Int)

            let orders = try await sim.ctraderOrders()
            #expect(orders.map { $0["ticket"] as? Int } == [positionID, sellID, pendingID])
            #expect(
                orders.allSatisfy { $0["broker"] as? String == "1000001" && $0["responseWithheld"] as? Bool == false })
            #expect(orders[0]["pair"] as? String == "EURUSD" && orders[0]["amount"] as? String == "2000")
            #expect(orders[0]["op"] as? String == "buy" && orders[0]["status"] as? String == "open")
            #expect(orders[0]["reference"] as? String == "a" && orders[0]["closePrice"] is NSNull)
            #expect(orders[1]["pair"] as? String == "BTCUSD" && orders[1]["amount"] as? String == "0.1")
            #expect(orders[1]["op"] as? String == "sell" && orders[1]["status"] as? String == "closed")
            #expect(orders[1]["reference"] is NSNull && orders[1]["closePrice"] is String)
            #expect(Decimal(string: orders[1]["profit"] as? String ?? "") == Decimal(gross) / 100)
            #expect(orders[2]["pair"] as? String == "XAUUSD" && orders[2]["status"] as? String == "open")
            #expect(orders[2]["openPrice"] as? String == "9999" && orders[2]["reference"] as? String == "gold")

            let status = try await sim.ctraderStatus()
            #expect(status["openConnections"] == 1 && status["authenticatedAccounts"] == 1)
            #expect(status["openPositions"] == 1 && status["pendingOrders"] == 1 && status["withheldResponses"] == 0)
            #expect(
                Set(status.keys).isSuperset(of: ["spotSubscriptions", "heartbeatClosures", "refreshes", "rateLimited"]))
            #expect(venue.balance() == 10_000 + Decimal(gross) / 100)

            let received = venue.receivedFrames()
            #expect(received.count == 6 && received.first?.contains(#""payloadType":2100"#) == true)
            let sent = venue.sentFrames()
            #expect(sent.filter { $0.contains(#""payloadType":2126"#) }.count == 7)
            #expect(!sent.isEmpty && sent.first?.contains(#""payloadType":2101"#) == true)
            let requests = try await sim.ctraderRequests().map { $0["path"] as? String ?? "" }
            #expect(requests == ["/", "/2100", "/2102", "/2106", "/2106", "/2111", "/2106"])

            let refresher = try await CTraderTestClient.connect(sim)
            try await refresher.authenticateApplication()
            let grant = try await refresher.payload(
                2173, ["refreshToken": CTraderDefaults.refreshToken], expecting: 2174)
            try await refresher.authorizeAccount(accessToken: try #require(grant["accessToken"] as? String))
            let reset = try await sim.adminPost("/ctrader/reset")
            #expect(reset.status == 200)
            #expect(try await sim.ctraderOrders().isEmpty && venue.receivedFrames().isEmpty)
            #expect(venue.balance() == 10_000 && venue.currentRefreshToken() == CTraderDefaults.refreshToken)
            let revoked = try #require(
                try await refresher.first {
                    ctraderType($0) == 2147 && ctraderPayload($0)["reason"] as? String == "Access token was revoked"
                })
            #expect(ctraderPayload(revoked)["ctidTraderAccountIds"] as? [Int] == [CTraderDefaults.account])
            try await client.authorizeAccount()
            #expect(ctraderType(try await client.accountCall(2121)) == 2122)
            let next = try await client.marketOrder()
            let nextID = try #require(ctraderPositionID(next.frames.last))
            #expect(nextID > sellID, "position ids are never reused")
        }
    }
}
