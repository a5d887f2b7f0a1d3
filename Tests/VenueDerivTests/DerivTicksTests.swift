import Foundation
import Messages
import Synchronization
import TestSupport
import Testing
import VenueDeriv
import VenueKit
import VenueSimulator

/// Quote streams over the session's one WebSocket: `ticks`, routing, `forget`, reconnect and resubscribe.
@Suite(.timeLimit(.minutes(2)))
struct DerivTicksTests {
    /// The events a recorder saw.
    final class EventLog: Sendable {
        let events = Mutex<[VenueMarketEvent]>([])
    }

    /// Collects the events of a stream in the background.
    final class Recorder: Sendable {
        let log = EventLog()
        let task: Task<Void, Never>
        func snapshot() -> [VenueMarketEvent] { self.log.events.withLock { $0 } }

        init(_ stream: AsyncThrowingStream<VenueMarketEvent, any Error>) {
            let log = self.log
            self.task = Task {
                do {
                    for try await event in stream { log.events.withLock { $0.append(event) } }
                } catch {}
            }
        }

        func quotes(_ symbol: String) -> [VenueQuote] {
            self.snapshot().compactMap { event in
                if case .quote(let quote) = event, quote.symbol == symbol { return quote }
                return nil
            }
        }

        func count(where predicate: (VenueMarketEvent) -> Bool) -> Int { self.snapshot().filter(predicate).count }
    }

    @Test func quotesOfSeveralSymbolsShareOneConnection() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            let first = Recorder(client.marketEvents(for: ["R_50", "R_100"]))
            let second = Recorder(client.marketEvents(for: ["frxEURUSD"]))
            defer {
                first.task.cancel()
                second.task.cancel()
            }
            #expect(try await eventually { first.quotes("R_50").count >= 3 && first.quotes("R_100").count >= 3 })
            #expect(try await eventually { second.quotes("frxEURUSD").count >= 3 })
            #expect(second.quotes("R_50").isEmpty, "each stream gets only its symbols")
            let quote = try #require(first.quotes("R_100").last)
            #expect(quote.bid <= quote.ask && quote.bid > 0)
            #expect(quote.venueTime != nil)
            let eurusd = try #require(second.quotes("frxEURUSD").last)
            #expect(eurusd.bid.exponent >= -5, "at most five decimals, exact")
            #expect(try await sim.status()["openConnections"] == 1)
            #expect(try sim.frames("ticks").count == 3, "one subscription per symbol")
            #expect(try sim.frames("authorize").isEmpty, "ticks need no authorization")
        }
    }

    @Test func aSymbolNobodyWantsIsForgotten() async throws {
        try await withSimulator { sim in
            let client = try sim.client()
            defer { client.shutdown() }
            let staying = Recorder(client.marketEvents(for: ["R_25"]))
            let leaving = Recorder(client.marketEvents(for: ["R_75"]))
            defer { staying.task.cancel() }
            #expect(try await eventually { leaving.quotes("R_75").count >= 2 && staying.quotes("R_25").count >= 2 })
            leaving.task.cancel()
            #expect(try await eventually { try sim.frames("forget").count == 1 })
            let forgotten = try #require(try sim.frames("forget").first?["forget"] as? String)
            #expect(forgotten.count >= 32)
            #expect(try await eventually { try await sim.status()["subscriptions"] == 1 })
            let count = staying.quotes("R_25").count
            #expect(try await eventually { staying.quotes("R_25").count > count + 2 }, "the other symbol keeps streaming")
        }
    }

    @Test func aDroppedConnectionIsReopenedAndEverySymbolResubscribed() async throws {
        try await withSimulator { sim in
            let client = try sim.client { $0.pingInterval = .milliseconds(500); $0.silenceTimeout = .seconds(5) }
            defer { client.shutdown() }
            let recorder = Recorder(client.marketEvents(for: ["R_50", "R_100"]))
            defer { recorder.task.cancel() }
            #expect(try await eventually { recorder.quotes("R_50").count >= 2 && recorder.quotes("R_100").count >= 2 })
            try await sim.setFaults(#"{"dropWebSockets": true}"#)
            #expect(try await eventually {
                recorder.count { if case .disconnected = $0 { true } else { false } } >= 2
            })
            let afterDrop = recorder.snapshot().count
            #expect(try await eventually {
                let later = recorder.snapshot().dropFirst(afterDrop)
                return ["R_50", "R_100"].allSatisfy { symbol in
                    later.contains { if case .quote(let quote) = $0 { quote.symbol == symbol } else { false } }
                }
            }, "quotes of both symbols again")
            #expect(try sim.frames("ticks").filter { $0["ticks"] as? String == "R_50" }.count == 2, "resubscribed")
            #expect(recorder.count { if case .connected = $0 { true } else { false } } >= 2)
        }
    }
}
