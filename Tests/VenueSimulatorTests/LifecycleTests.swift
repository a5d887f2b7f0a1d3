import Foundation
import Logging
import ServiceLifecycle
import Testing
import VenueSimulator

/// Start-up and graceful shutdown of the in-process simulator.
@Suite(.timeLimit(.minutes(3)))
struct LifecycleTests {
    @Test func gracefulShutdownReleasesWithheldResponsesAndClosesStreams() async throws {
        let simulator = try VenueSimulator(configuration: .ephemeral, logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [simulator], logger: quietLogger))
        try await withThrowingTaskGroup(of: CurlResult?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            let listeners = try await simulator.listeners()
            let sim = SimulatorHarness(simulator: simulator, listeners: listeners)
            #expect(listeners.admin.port > 0 && listeners.mt4Server?.port ?? 0 > 0)
            #expect(listeners.admin.host == "127.0.0.1")
            let token = try await sim.token()
            try await sim.adminPost("/mt4server/faults", json: #"{"hangOrders":true}"#)
            let order = sim.authorized(
                token, "POST", "/exchanges/ava/orders", json: #"{"pair":"BTCUSD","amount":1,"op":"buy"}"#)
            let stream =
                MT4ServerWebSocketTests.upgrade + [
                    "-H", "Authorization: \(token)", sim.venue + "/exchanges/ava/ticker?ticker=BTCUSD",
                ]
            tasks.addTask { try await Curl.run(["--max-time", "30"] + order) }
            tasks.addTask { try await Curl.run(["--max-time", "30"] + stream) }
            let ready = try await eventually {
                let status = try await sim.status()
                return status["withheldResponses"] == 1 && status["openWebSockets"] == 1
            }
            try #require(ready)
            await group.triggerGracefulShutdown()
            var results: [CurlResult] = []
            for try await result in tasks {
                if let result { results.append(result) }
            }
            #expect(results.count == 2)
            #expect(results.allSatisfy { $0.exitCode != 28 }, "no client waited for its time-out")
            #expect(simulator.mt4Server?.acceptedOrders().count == 1)
        }
        await #expect(throws: VenueSimulatorError.self) { try await simulator.listeners() }
    }

    @Test func aBusyPortFailsStartWithBindFailed() async throws {
        try await withSimulator { sim in
            var configuration = VenueSimulatorConfiguration.ephemeral
            configuration.mt4Server.port = sim.listeners.mt4Server?.port ?? 0
            let clash = try VenueSimulator(configuration: configuration, logger: quietLogger)
            await #expect(throws: (any Error).self) { try await clash.run() }
            let error = await #expect(throws: VenueSimulatorError.self) { try await clash.listeners() }
            #expect(error?.code == .bindFailed)
        }
    }
}
