import Foundation
import Messages
import TestSupport
import Testing
import VenueCPlugin
import VenueKit
import VenueSimulator

/// The SignalR quote stream against the simulator's hub. (A loaded CI machine once needed 92 s for the silent-hub
/// test, which takes 2 s alone: the limit is generous so that only a real hang fails it.)
@Suite(.timeLimit(.minutes(3)))
struct CPluginHubTests {
    @Test(arguments: [true, false])
    func quotesArriveForEverySubscribedSymbol(negotiate: Bool) async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client { $0.negotiate = negotiate }
            let recorder = EventRecorder(client.marketEvents(for: ["EURUSD", "BTCUSD"]))
            defer { recorder.stop() }
            #expect(try await eventually(timeout: .seconds(30)) {
                !recorder.quotes("EURUSD").isEmpty && !recorder.quotes("BTCUSD").isEmpty
            })
            for quote in recorder.quotes("EURUSD") + recorder.quotes("BTCUSD") {
                #expect(quote.bid > 0 && quote.bid < quote.ask)
            }
            #expect(recorder.events.contains(.connected(symbol: "EURUSD")))
            #expect(recorder.quotes("USDJPY").isEmpty, "only subscribed symbols are delivered")
            #expect(try await sim.status()["openHubConnections"] == 1)
            let negotiations = try await sim.requests(matching: "/negotiate")
            #expect(negotiations.isEmpty == !negotiate)
        }
    }

    @Test func streamsShareOneHubConnectionAndUnsubscribeWhenTheyEnd() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client()
            let first = EventRecorder(client.marketEvents(for: ["EURUSD"]))
            let second = EventRecorder(client.marketEvents(for: ["USDJPY"]))
            defer { first.stop() }
            #expect(try await eventually(timeout: .seconds(30)) {
                !first.quotes("EURUSD").isEmpty && !second.quotes("USDJPY").isEmpty
            })
            #expect(try await sim.status()["openHubConnections"] == 1)
            #expect(try await sim.status()["subscribeCalls"] == 2)
            second.stop()
            // The end of a stream unsubscribes its symbol on the shared connection; the other symbol keeps flowing.
            #expect(try await eventually { try await sim.status()["unsubscribeCalls"] == 1 })
            let eurBefore = first.quotes("EURUSD").count
            #expect(try await eventually { first.quotes("EURUSD").count > eurBefore })
            #expect(try await sim.status()["openHubConnections"] == 1)
        }
    }

    @Test func theStreamSurvivesADroppedHubConnection() async throws {
        try await withSimulator { sim in
            let (client, _) = try sim.client()
            let recorder = EventRecorder(client.marketEvents(for: ["ETHUSD"]))
            defer { recorder.stop() }
            #expect(try await eventually(timeout: .seconds(30)) { !recorder.quotes("ETHUSD").isEmpty })
            try await sim.setFaults(#"{"dropWebSockets": true}"#)
            #expect(try await eventually(timeout: .seconds(30)) {
                recorder.events.contains { if case .disconnected(symbol: "ETHUSD", _) = $0 { true } else { false } }
            })
            let afterDrop = recorder.events.count
            #expect(try await eventually(timeout: .seconds(30)) {
                recorder.events.dropFirst(afterDrop).contains(.connected(symbol: "ETHUSD"))
                    && recorder.events.dropFirst(afterDrop).contains { if case .quote = $0 { true } else { false } }
            }, "reconnected, resubscribed and streaming again")
            #expect(recorder.error == nil)
            #expect(try await sim.requests(matching: "/hubs/mt4/v1").count >= 2)
        }
    }

    @Test func aSilentHubIsDeclaredDeadAndReopened() async throws {
        // The server's keep-alive is slower than the client's timeout, and no ticks flow for an unknown symbol, so the
        // connection goes silent: the client must give up on it and open a new one.
        try await withSimulator(configure: { $0.cplugin.keepAliveInterval = .seconds(30) }) { sim in
            let (client, _) = try sim.client {
                $0.hubServerTimeout = .milliseconds(1_500)
                $0.hubPingInterval = .milliseconds(500)
            }
            let recorder = EventRecorder(client.marketEvents(for: ["NOSUCH"]))
            defer { recorder.stop() }
            #expect(try await eventually(timeout: .seconds(15)) {
                try await sim.requests(matching: "/hubs/mt4/v1").filter { ($0["path"] as? String)?.hasSuffix("/negotiate") == false }.count >= 2
            })
            // The event is delivered through the stream, so it may trail the reconnect seen at the simulator.
            let reported = try await eventually {
                recorder.events.contains { if case .disconnected(symbol: "NOSUCH", _) = $0 { true } else { false } }
            }
            #expect(reported, "the silent connection was reported down")
        }
    }

    @Test func whileTheHubIsDownQuotesComeFromTickInfoLast() async throws {
        try await withSimulator { sim in
            // A hub path that does not exist: every connection attempt fails, REST still answers.
            let (client, _) = try sim.client {
                $0.hubPath = "/hubs/mt4/none"
                $0.quoteFallbackAfter = .milliseconds(300)
                $0.quoteFallbackInterval = .milliseconds(200)
            }
            let recorder = EventRecorder(client.marketEvents(for: ["USDJPY"]))
            defer { recorder.stop() }
            #expect(try await eventually { recorder.quotes("USDJPY").count >= 2 })
            #expect(!recorder.events.contains(.connected(symbol: "USDJPY")), "the hub never came up")
            #expect(try await sim.requests(matching: "TickInfoLast/USDJPY").count >= 2)
            #expect(recorder.quotes("USDJPY").allSatisfy { $0.bid < $0.ask })
        }
    }
}
