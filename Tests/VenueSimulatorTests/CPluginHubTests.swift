import Foundation
import Logging
import ServiceLifecycle
import Testing
import VenueSimulator

/// CPlugin's SignalR hub `/hubs/mt4/v1`: negotiate and upgrade refusals over curl, the hub protocol itself over
/// ``RawWebSocket``.
/// Serialized: each test starts a simulator and runs many curl processes; run all at once on a small machine they
/// starve the timing-sensitive MT4Server ticker tests.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CPluginHubTests {
    static let separator = "\u{1E}"
    static let handshake = #"{"protocol":"json","version":1}"# + "\u{1E}"
    static let platform = CPluginDefaults.platform

    static func invocation(_ id: String?, _ target: String, _ arguments: String) -> String {
        let idPart = id.map { #""invocationId":"\#($0)","# } ?? ""
        return #"{"type":1,"# + idPart + #""target":"\#(target)","arguments":[\#(arguments)]}"# + separator
    }

    static func json(_ record: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(record.utf8))) as? [String: Any]
    }

    /// The `connectionToken` of a version 1 negotiation.
    static func negotiatedToken(_ sim: SimulatorHarness, token: String) async throws -> String {
        let negotiated = try await Curl.run(
            ["-X", "POST", sim.cplugin + "/hubs/mt4/v1/negotiate?negotiateVersion=1&access_token=\(token)"])
        let answer = try JSONSerialization.jsonObject(with: negotiated.body) as? [String: Any]
        return try #require(answer?["connectionToken"] as? String)
    }

    /// A hub socket that completed the handshake.
    static func connectedHub(_ sim: SimulatorHarness, token: String, id: String? = nil) async throws -> RawWebSocket {
        let query = (id.map { "id=\($0)&" } ?? "") + "access_token=\(token)"
        let (socket, handshake) = try await RawWebSocket.connect(
            port: sim.cpluginPort, target: "/hubs/mt4/v1?\(query)")
        let hub = try #require(socket, "upgrade answered \(handshake.status)")
        try await hub.send(text: Self.handshake)
        let (records, _) = try await hub.records(timeout: .seconds(5)) { _ in true }
        #expect(records == ["{}"], "handshake response")
        return hub
    }

    @Test func negotiateAnswersVersion1WithATokenAndVersion0WithoutOne() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let hub = sim.cplugin + "/hubs/mt4/v1"
            let v1 = try await Curl.run([
                "-X", "POST", hub + "/negotiate?negotiateVersion=1", "-H", "Authorization: Bearer \(token)",
            ])
            #expect(v1.status == 200)
            let one = try #require(try JSONSerialization.jsonObject(with: v1.body) as? [String: Any])
            #expect(Set(one.keys) == ["negotiateVersion", "connectionId", "connectionToken", "availableTransports"])
            #expect(one["negotiateVersion"] as? Int == 1)
            #expect((one["connectionToken"] as? String) != (one["connectionId"] as? String))
            let transports = try #require(one["availableTransports"] as? [[String: Any]])
            #expect(transports.count == 1)
            #expect(transports.first?["transport"] as? String == "WebSockets")
            #expect(transports.first?["transferFormats"] as? [String] == ["Text", "Binary"])

            let v0 = try await Curl.run(["-X", "POST", hub + "/negotiate?access_token=\(token)"])
            let zero = try #require(try JSONSerialization.jsonObject(with: v0.body) as? [String: Any])
            #expect(Set(zero.keys) == ["negotiateVersion", "connectionId", "availableTransports"])
            #expect(zero["negotiateVersion"] as? Int == 0)
            let newer = try await Curl.run(["-X", "POST", hub + "/negotiate?negotiateVersion=3&access_token=\(token)"])
            let capped = try JSONSerialization.jsonObject(with: newer.body) as? [String: Any]
            #expect(capped?["negotiateVersion"] as? Int == 1)

            let unauthorized = try await Curl.run(["-X", "POST", hub + "/negotiate?negotiateVersion=1"])
            #expect(unauthorized.status == 401)
            #expect(unauthorized.headers["www-authenticate"] == #"Bearer error="invalid_token""#)
            let get = try await Curl.run([hub + "/negotiate?access_token=\(token)"])
            #expect(get.status == 405)
        }
    }

    @Test func upgradeRefusalsCarryTheirRealStatuses() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let base = sim.cplugin + "/hubs/mt4/v1"
            let badToken = try await Curl.run(
                ["--max-time", "5"] + MT4ServerWebSocketTests.upgrade + [base + "?access_token=nope"])
            #expect(badToken.status == 401)
            #expect(badToken.headers["www-authenticate"] == #"Bearer error="invalid_token""#)
            let unknownID = try await Curl.run(
                ["--max-time", "5"] + MT4ServerWebSocketTests.upgrade + [base + "?id=unknown&access_token=\(token)"])
            #expect(unknownID.status == 404)
            #expect(unknownID.text == "No Connection with that ID")
            let headerToken = try await Curl.run(
                ["--max-time", "1"] + MT4ServerWebSocketTests.upgrade + ["-H", "Authorization: Bearer \(token)", base])
            #expect(headerToken.status == 101, "the bearer header is accepted on the upgrade too")

            let id = try await Self.negotiatedToken(sim, token: token)
            let target = "/hubs/mt4/v1?id=\(id)&access_token=\(token)"
            let first = try await RawWebSocket.connect(port: sim.cpluginPort, target: target)
            #expect(first.handshake.status == 101)
            let second = try await RawWebSocket.connect(port: sim.cpluginPort, target: target)
            #expect(second.handshake.status == 409, "the id's socket is open")
            #expect(second.socket == nil)
            _ = first
        }
    }

    @Test func hubMethodsAnswerAndTicksArePushedUntilUnsubscribed() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let id = try await Self.negotiatedToken(sim, token: token)
            let hub = try await Self.connectedHub(sim, token: token, id: id)
            #expect(try await sim.cpluginStatus()["openHubConnections"] == 1)
            let platform = #""\#(Self.platform)""#
            // Two records in one frame.
            try await hub.send(text: Self.invocation("1", "Connect", platform) + Self.invocation("2", "Ping", platform))
            let (answers, _) = try await hub.records(timeout: .seconds(5)) { $0.contains(#""invocationId":"2""#) }
            let completions = answers.compactMap(Self.json).filter { $0["type"] as? Int == 3 }
            #expect(completions.count == 2)
            #expect(completions.first?["invocationId"] as? String == "1")
            #expect(completions.first?["result"] as? Bool == true)
            #expect(completions.last?.keys.contains("result") == true && completions.last?["result"] is NSNull)

            try await hub.send(text: Self.invocation("3", "SubscribeToTicks", platform + #","EURUSD""#))
            // Ticks come every 50 ms; wait for three (a loaded machine may take longer than 150 ms).
            var seen = 0
            let (pushed, _) = try await hub.records(timeout: .seconds(10)) { record in
                if record.contains(#""target":"onTick""#) { seen += 1 }
                return seen >= 3
            }
            let messages = pushed.compactMap(Self.json)
            let subscribed = try #require(messages.first)
            #expect(subscribed["type"] as? Int == 3 && subscribed["invocationId"] as? String == "3")
            #expect(subscribed["result"] == nil && subscribed["error"] == nil, "a completion without result")
            let ticks = messages.filter { $0["target"] as? String == "onTick" }
            #expect(ticks.count >= 3, "\(ticks.count) ticks pushed at 50 ms")
            for tick in ticks {
                #expect(tick["type"] as? Int == 1 && tick["invocationId"] == nil)
                let arguments = try #require(tick["arguments"] as? [Any])
                #expect(arguments.first as? String == Self.platform)
                let quote = try #require(arguments.last as? [String: Any])
                #expect(Set(quote.keys) == ["symbol", "bid", "ask"])
                #expect(quote["symbol"] as? String == "EURUSD")
                #expect(decimal(quote["bid"]) ?? 0 < decimal(quote["ask"]) ?? 0)
            }

            try await hub.send(text: Self.invocation("4", "UnsubscribeFromTicks", platform + #","EURUSD""#))
            _ = try await hub.records(timeout: .seconds(5)) { $0.contains(#""invocationId":"4""#) }
            let (after, _) = try await hub.records(timeout: .milliseconds(400))
            #expect(!after.contains { $0.contains("onTick") }, "no ticks after unsubscribing")
        }
    }

    @Test func hubErrorsAreCompletionsWithAnError() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let hub = try await Self.connectedHub(sim, token: token)
            let platform = #""\#(Self.platform)""#
            let requests =
                Self.invocation("a", "NoSuchMethod", "") + Self.invocation("b", "SubscribeToTicks", platform)
                + Self.invocation("c", "SubscribeToTicks", platform + #","DOGEUSD""#)
                + Self.invocation("d", "SubscribeToTicks", #""00000000-0000-0000-0000-000000000009","EURUSD""#)
                + Self.invocation("e", "connect", platform) + Self.invocation(nil, "NoReplyWanted", "")
                + #"{"type":6}"# + Self.separator + Self.invocation("f", "Connect", #""not-a-guid""#)
            try await hub.send(text: requests)
            let (records, _) = try await hub.records(timeout: .seconds(5)) { $0.contains(#""invocationId":"f""#) }
            let completions = records.compactMap(Self.json).filter { $0["type"] as? Int == 3 }
            let errors = Dictionary(
                completions.map { ($0["invocationId"] as? String ?? "", $0["error"] as? String ?? "") },
                uniquingKeysWith: { first, _ in first })
            #expect(completions.count == 6, "no reply to the invocation without id")
            #expect(errors["a"] == "Unknown hub method 'NoSuchMethod'")
            #expect(errors["b"]?.contains("Invocation provides 1 argument(s) but target expects 2") == true)
            #expect(errors["c"]?.contains("Unknown symbol 'DOGEUSD'") == true)
            #expect(errors["d"]?.contains("Unknown trade platform") == true)
            #expect(errors["e"] == "Unknown hub method 'connect'", "method names are case-sensitive")
            #expect(errors["f"]?.hasPrefix("Failed to invoke 'Connect'") == true)
            #expect(completions.allSatisfy { $0["result"] == nil })
        }
    }

    @Test func aBadHandshakeIsRefusedAndClosed() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            for (request, expected) in [
                (#"{"protocol":"messagepack","version":1}"#, "The protocol 'messagepack' is not supported."),
                ("not json", "An unexpected error occurred during connection handshake."),
            ] {
                let (socket, _) = try await RawWebSocket.connect(
                    port: sim.cpluginPort, target: "/hubs/mt4/v1?access_token=\(token)")
                let hub = try #require(socket)
                try await hub.send(text: request + Self.separator)
                let (records, ended) = try await hub.records(timeout: .seconds(5))
                let refusal = try #require(records.first.flatMap(Self.json))
                #expect((refusal["error"] as? String)?.hasPrefix(expected) == true, "\(refusal)")
                #expect(ended, "the server closes after refusing")
            }
        }
    }

    @Test func aMissingHandshakeIsCanceledAfterTheHandshakeTimeout() async throws {
        try await withSimulator(configure: { $0.cplugin.handshakeTimeout = .milliseconds(300) }) { sim in
            let token = try await sim.cpluginToken()
            let (socket, _) = try await RawWebSocket.connect(
                port: sim.cpluginPort, target: "/hubs/mt4/v1?access_token=\(token)")
            let hub = try #require(socket)
            // Without a handshake the server gives up by itself (the window is far longer than its 300 ms timeout).
            let (records, ended) = try await hub.records(timeout: .seconds(20))
            #expect(records == [#"{"error":"Handshake was canceled."}"#])
            #expect(ended)
        }
    }

    @Test func clientMessagesKeepTheConnectionAliveAndSilenceTimesItOut() async throws {
        try await withSimulator(configure: {
            $0.cplugin.keepAliveInterval = .milliseconds(150)
            $0.cplugin.clientTimeout = .seconds(3)
        }) { sim in
            let token = try await sim.cpluginToken()
            let hub = try await Self.connectedHub(sim, token: token)
            // Client pings for 4.2 s: longer than the client timeout, so only they keep the connection open.
            var serverPings = 0
            for _ in 0..<14 {
                try await hub.send(text: #"{"type":6}"# + Self.separator)
                let (records, ended) = try await hub.records(timeout: .milliseconds(300))
                #expect(!ended)
                serverPings += records.filter { $0 == #"{"type":6}"# }.count
            }
            #expect(serverPings >= 4, "a server ping every 150 ms when idle, got \(serverPings)")
            let (records, ended) = try await hub.records(timeout: .seconds(15)) { $0.contains(#""type":7"#) }
            let close = try #require(records.last.flatMap(Self.json))
            #expect(close["type"] as? Int == 7)
            #expect(close["error"] as? String == "Server timeout elapsed without receiving a message from the client.")
            #expect(close["allowReconnect"] as? Bool == true)
            #expect(!ended)
            let frame = try await hub.next(timeout: .seconds(3))
            #expect(frame == .close(code: 1000), "then a WebSocket close frame")
        }
    }

    @Test func aClientCloseMessageClosesTheSocket() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let hub = try await Self.connectedHub(sim, token: token)
            try await hub.send(text: #"{"type":7}"# + Self.separator)
            let frame = try await hub.next(timeout: .seconds(3))
            #expect(frame == .close(code: 1000))
            #expect(try await eventually { try await sim.cpluginStatus()["openHubConnections"] == 0 })
        }
    }

    @Test func dropWebSocketsClosesHubSocketsAbruptly() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let hub = try await Self.connectedHub(sim, token: token)
            #expect(try await sim.cpluginStatus()["openHubConnections"] == 1)
            let action = try await sim.adminPost("/cplugin/faults", json: #"{"dropWebSockets":true}"#)
            #expect(action.status == 200)
            var frames: [RawWebSocket.Frame] = []
            while let frame = try await hub.next(timeout: .seconds(3)) { frames.append(frame) }
            #expect(hub.isClosed, "the TCP connection ended")
            #expect(!frames.contains { if case .close = $0 { true } else { false } }, "no close frame: \(frames)")
            #expect(try await eventually { try await sim.cpluginStatus()["openHubConnections"] == 0 })
        }
    }

    @Test func gracefulShutdownSendsACloseMessageThenCloses() async throws {
        let simulator = try VenueSimulator(configuration: .ephemeral, logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [simulator], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let sim = SimulatorHarness(simulator: simulator, listeners: try await simulator.listeners())
            let token = try await sim.cpluginToken()
            let hub = try await Self.connectedHub(sim, token: token)
            await group.triggerGracefulShutdown()
            let (records, _) = try await hub.records(timeout: .seconds(5)) { $0.contains(#""type":7"#) }
            let close = try #require(records.last.flatMap(Self.json))
            #expect(close["type"] as? Int == 7 && close["allowReconnect"] as? Bool == true && close["error"] == nil)
            try await tasks.waitForAll()
        }
    }
}
