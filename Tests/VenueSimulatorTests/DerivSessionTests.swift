import Foundation
import Testing
import VenueSimulator

/// The Deriv face's envelope, authorization, streams and connection handling, over ``RawWebSocket``.
/// Serialized: each test starts a simulator; conditions are waited for with generous limits, never timed.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DerivSessionTests {
    @Test func authorizeAnswersTheAccountAndRefusesUnknownTokens() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            #expect(try await client.errorCode(["authorize": "no-such-token"]) == "InvalidToken")
            let account = try await client.object(["authorize": DerivDefaults.token])
            #expect(account["loginid"] as? String == DerivDefaults.loginID)
            #expect(account["currency"] as? String == "USD" && account["is_virtual"] as? Int == 1)
            #expect(decimal(account["balance"]) == 10_000)
            #expect(account["email"] as? String == "sim@example.com" && account["fullname"] as? String == "Sim Trader")
            #expect(account["country"] as? String == "mt" && account["landing_company_name"] as? String == "virtual")
            #expect(Set(account["scopes"] as? [String] ?? []) == ["read", "trade", "trading_information"])
            #expect((account["account_list"] as? [[String: Any]])?.count == 1)
            #expect(try await sim.derivStatus()["authorizedSessions"] == 1)

            let reader = try await DerivTestClient.connect(sim)
            let readOnly = try await reader.object(["authorize": DerivDefaults.readOnlyToken])
            #expect(readOnly["scopes"] as? [String] == ["read"])
            let refused = try await reader.call(DerivDefaults.multiplier())
            #expect(derivError(refused) == "PermissionDenied")
            let message = (refused["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("trade"), "the message names the scope: \(message)")
            #expect(try await reader.payload(["portfolio": 1]) is [String: Any], "read suffices for portfolio")
            #expect(try await reader.errorCode(["balance": 1]) == nil)
            #expect(try await sim.derivOrders().isEmpty)
        }
    }

    @Test func authenticatedCallsBeforeAuthorizeAreRefused() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            for request: [String: Any] in [
                ["portfolio": 1], ["balance": 1], ["proposal_open_contract": 1], ["sell": 1, "price": 0],
                DerivDefaults.multiplier(),
            ] {
                #expect(try await client.errorCode(request) == "AuthorizationRequired", "\(request)")
            }
            #expect(try await client.payload(["ping": 1]) as? String == "pong", "public calls need no authorize")
        }
    }

    @Test func reqIDAndPassthroughAreEchoedExactly() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            let raw = #"{"ping":1,"passthrough":{"trace":"a-1","n":[1,2.50]},"req_id":77}"#
            try await client.send(text: raw)
            let answer = try #require(try await client.first { $0["req_id"] as? Int == 77 })
            #expect(answer["msg_type"] as? String == "ping" && answer["ping"] as? String == "pong")
            let echo = try #require(answer["echo_req"] as? [String: Any])
            #expect(echo["req_id"] as? Int == 77 && echo["ping"] as? Int == 1)
            let passthrough = try #require(answer["passthrough"] as? [String: Any])
            #expect(passthrough["trace"] as? String == "a-1")
            #expect((echo["passthrough"] as? [String: Any])?["trace"] as? String == "a-1")

            let failed = try await client.call(["balance": 1, "req_id": 78, "passthrough": ["x": 1]])
            #expect(derivError(failed) == "AuthorizationRequired")
            #expect(failed["req_id"] as? Int == 78 && failed["msg_type"] as? String == "balance")
            #expect((failed["passthrough"] as? [String: Any])?["x"] as? Int == 1)
            #expect((failed["echo_req"] as? [String: Any])?["balance"] as? Int == 1)
            #expect(try await client.payload(["time": 1]) is Int)
        }
    }

    @Test func ticksStreamUntilForgotten() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            let first = try await client.call(["ticks": "R_50", "subscribe": 1])
            #expect(first["msg_type"] as? String == "tick")
            let tick = try #require(first["tick"] as? [String: Any])
            let id = try #require(tick["id"] as? String)
            #expect((first["subscription"] as? [String: Any])?["id"] as? String == id)
            #expect(id.count == 36 && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" })
            #expect(tick["symbol"] as? String == "R_50" && tick["pip_size"] as? Int == 4)
            let (bid, quote, ask) = (decimal(tick["bid"]) ?? 0, decimal(tick["quote"]) ?? 0, decimal(tick["ask"]) ?? 0)
            #expect(bid < quote && quote < ask)
            #expect(try await client.awaitMessages(ofStream: id, count: 4), "ticks keep coming")
            #expect(try await client.errorCode(["ticks": "R_50"]) == "AlreadySubscribed")
            #expect(try await client.errorCode(["ticks": "R_99"]) == "InvalidSymbol")
            #expect(try await sim.derivStatus()["subscriptions"] == 1)

            let forgotten = try await client.call(["forget": id])
            #expect(forgotten["forget"] as? Int == 1)
            let forgetReqID = try #require(forgotten["req_id"] as? Int)
            let forgetIndex = try #require(client.messages.firstIndex { $0["req_id"] as? Int == forgetReqID })
            // Another stream as a witness: once five of its ticks came after the forget, R_50 had its chances.
            let other = try await client.object(["ticks": "R_10"])
            let otherID = try #require(other["id"] as? String)
            #expect(try await client.awaitMessages(ofStream: otherID, count: 6))
            let late = client.messages[(forgetIndex + 1)...].filter {
                ($0["subscription"] as? [String: Any])?["id"] as? String == id
            }
            #expect(late.isEmpty, "no tick of a forgotten stream after the forget answer")
            #expect(try await client.payload(["forget": id]) as? Int == 0, "a second forget finds nothing")
        }
    }

    @Test func forgetAllStopsEveryStreamOfTheGivenTypes() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            let reqID = try await client.send(["ticks": ["R_10", "R_25"]])
            _ = try await client.first {
                $0["req_id"] as? Int == reqID && ($0["tick"] as? [String: Any])?["symbol"] as? String == "R_25"
            }
            let ids = Set(client.messages.filter { $0["req_id"] as? Int == reqID }.compactMap {
                ($0["subscription"] as? [String: Any])?["id"] as? String
            })
            #expect(ids.count == 2, "one subscription per symbol")
            try await client.authorize()
            let balance = try await client.object(["balance": 1, "subscribe": 1])
            let balanceID = try #require(balance["id"] as? String)
            #expect(try await client.errorCode(["balance": 1, "subscribe": 1]) == "AlreadySubscribed")
            let stopped = try #require(try await client.payload(["forget_all": ["ticks", "candles"]]) as? [String])
            #expect(Set(stopped) == ids)
            #expect(try await sim.derivStatus()["subscriptions"] == 1)
            let rest = try #require(try await client.payload(["forget_all": "balance"]) as? [String])
            #expect(rest == [balanceID])
            #expect(try await sim.derivStatus()["subscriptions"] == 0)
        }
    }

    @Test func malformedFramesAreAnsweredAndTheConnectionStays() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            for text in ["not json", "[1,2]", "\"x\"", #"{"ping":1"#] {
                try await client.send(text: text)
                let answer = try #require(try await client.read())
                #expect(derivError(answer) == "InputValidationFailed", "\(text)")
                #expect(answer["msg_type"] as? String == "error")
                #expect((answer["echo_req"] as? [String: Any])?.isEmpty == true)
            }
            let unknown = try await client.call(["hello": 1])
            #expect(derivError(unknown) == "UnrecognisedRequest" && unknown["msg_type"] as? String == "error")
            let cases: [([String: Any], String)] = [
                (["ping": 2], "ping"), (["ping": 1, "extra": true], "extra"), (["ticks": 5], "ticks"),
                (["forget": "short"], "forget"),
                (["proposal": 1, "contract_type": "MULTUP", "currency": "USD"], "symbol"),
                (["buy": "1", "price": -1], "price"), (["sell": 1.5, "price": 0], "sell"),
            ]
            for (request, field) in cases {
                let answer = try await client.call(request)
                let error = try #require(answer["error"] as? [String: Any], "\(request)")
                #expect(error["code"] as? String == "InputValidationFailed", "\(request)")
                #expect((error["details"] as? [String: Any])?[field] != nil, "details name \(field): \(error)")
            }
            try await client.send(text: #"{"time":1,"req_id":"7"}"#)
            let badReqID = try #require(try await client.read())
            #expect(badReqID["req_id"] == nil, "a req_id that is not an integer is only echoed in echo_req")
            #expect(((badReqID["error"] as? [String: Any])?["details"] as? [String: Any])?["req_id"] != nil)
            #expect(try await client.payload(["ping": 1]) as? String == "pong", "still open")
            #expect(!client.isClosed)
        }
    }

    @Test func anOversizedFrameClosesWith1009() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            let padding = String(repeating: "x", count: 70_000)
            // The server may close while the frame is still being written: a failed write is expected then.
            try? await client.send(text: #"{"ping":1,"passthrough":{"pad":""# + padding + #""}}"#)
            while try await client.read() != nil {}
            #expect(client.closeCode == .some(1009))
        }
    }

    @Test func theEndpointNeedsItsPathAndAValidAppID() async throws {
        try await withSimulator { sim in
            let (socket, handshake) = try await RawWebSocket.connect(
                port: sim.derivPort, target: "/websockets/v2?app_id=1")
            #expect(socket == nil && handshake.status == 404)
            let plain = try await Curl.run(["http://127.0.0.1:\(sim.derivPort)/websockets/v3?app_id=1"])
            #expect(plain.status == 426)
            for target in ["/websockets/v3", "/websockets/v3?app_id=abc", "/websockets/v3?app_id=0"] {
                let client = try await DerivTestClient.connect(sim, target: target)
                #expect(try await client.errorCode(["ping": 1]) == "InvalidAppID", "\(target)")
                #expect(try await client.errorCode(["authorize": DerivDefaults.token]) == "InvalidAppID")
            }
            let upgrades = try await sim.derivRequests().filter { $0["method"] as? String == "GET" }
            #expect(upgrades.map { $0["status"] as? Int } == [404, 426, 101, 101, 101])
        }
    }

    @Test func anIdleConnectionIsClosedWithACloseFrame() async throws {
        try await withSimulator(configure: { $0.deriv.idleTimeout = .milliseconds(300) }) { sim in
            let client = try await DerivTestClient.connect(sim)
            #expect(try await client.payload(["ping": 1]) as? String == "pong")
            while try await client.read(timeout: .seconds(30)) != nil {}
            #expect(client.closeCode == .some(1000), "a close frame before the TCP close")
            #expect(try await derivEventually { try await sim.derivStatus()["idleClosures"] == 1 })
            #expect(try await derivEventually { try await sim.derivStatus()["openConnections"] == 0 })
        }
    }
}
