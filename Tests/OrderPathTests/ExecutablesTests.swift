import AsyncHTTPClient
import EmbeddedKafka
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import VenueSimulator

/// A built executable of this package, started with its standard error in a file.
private final class RunningExecutable: Sendable {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let process: ChildProcess
    let errorLog: URL

    static func path(_ name: String) throws -> URL {
        let candidates = [".build/debug/\(name)", ".build/release/\(name)"].map { Self.root.appendingPathComponent($0) }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "\(name) is not built: run `swift build` (make test does) before `swift test`")
    }

    init(_ name: String, _ arguments: [String], environment: [String: String], directory: URL) throws {
        self.errorLog = directory.appendingPathComponent("\(name).stderr")
        self.process = try ChildProcess(
            try Self.path(name).path, arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            stderr: .file(self.errorLog.path))
    }

    var stderr: String { (try? String(contentsOf: self.errorLog, encoding: .utf8)) ?? "" }

    /// The port of the operations endpoint, from its JSON log line.
    func operationsPort() async throws -> Int? {
        var port: Int?
        _ = try await eventually(timeout: .seconds(30), interval: .milliseconds(50)) {
            port = self.stderr.split(separator: "\n").lazy
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["msg"] as? String == "Operations endpoint listening" }
                .flatMap { ($0["http.port"] as? String).flatMap(Int.init) }
            return port != nil
        }
        return port
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit; returns the exit status (nil: still running, then killed).
    func terminate(timeout: Duration = .seconds(20)) async throws -> Int32? {
        self.process.signal(SIGTERM)
        let exited = try await eventually(timeout: timeout, interval: .milliseconds(50)) { !self.process.isRunning }
        guard exited else {
            self.process.signal(SIGKILL)
            return nil
        }
        return await self.process.wait()
    }
}

/// Runs `tradewire` with `arguments` to completion; returns its exit status and standard output.
private func tradewire(_ arguments: [String]) async throws -> (Int32, String) {
    let (status, output) = try await ChildProcess.run(
        try RunningExecutable.path("tradewire").path, arguments, includeErrors: true)
    return (status, String(decoding: output, as: UTF8.self))
}

/// The executables as `make run` starts them, driven by the `tradewire` CLI as the README shows.
@Suite(.timeLimit(.minutes(3)))
struct ExecutablesTests {
    @Test func theCLIDrivesTheFourServiceExecutablesWhichStopCleanlyOnSIGTERM() async throws {
        var quiet = Logger(label: "executables-test")
        quiet.logLevel = .warning
        let kafka = try EmbeddedKafkaBroker(logger: quiet)
        let simulator = try VenueSimulator(configuration: .ephemeral, logger: quiet)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradewire-exe-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withRunningServices([simulator], logger: quiet) {
            let mt4Port = try await simulator.listeners().mt4Server!.port
            let venues = directory.appendingPathComponent("venues.json")
            try Data("""
                {"venues": [{"id": "mt4-demo", "protocol": "mt4server", "endpoint": "http://127.0.0.1:\(mt4Port)",
                  "broker": "demo", "secrets": {"apiKey": {"env": "MT4_DEMO_API_KEY"}}}]}
                """.utf8).write(to: venues)
            let environment = [
                "KAFKA_BROKERS": kafka.bootstrapServers, "MT4_DEMO_API_KEY": "sim-mt4-api-key",
                "TRADEWIRE_SEAL_KEY": "exe-1:\(Data(repeating: 3, count: 32).base64EncodedString())",
            ]
            let broker = try RunningExecutable(
                "auth-token-broker",
                ["--venues", venues.path, "--state-dir", directory.appendingPathComponent("atb").path, "--http-port", "0"],
                environment: environment, directory: directory)
            let executor = try RunningExecutable(
                "order-executor", ["--venues", venues.path, "--instance-id", "exe-test", "--http-port", "0"],
                environment: environment, directory: directory)
            let ticks = try RunningExecutable(
                "tick-publisher", ["--venues", venues.path, "--instance-id", "exe-test", "--http-port", "0"],
                environment: environment, directory: directory)
            let database = directory.appendingPathComponent("audit.sqlite").path
            let audit = try RunningExecutable(
                "audit-logger", ["--db", database, "--http-port", "0"], environment: environment, directory: directory)
            let all = [broker, executor, ticks, audit]
            defer {
                for service in all { service.process.signal(SIGKILL) }
            }
            let port = try #require(try await executor.operationsPort(), "order-executor logged its port: \(executor.stderr)")
            let healthy = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                let response = try? await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(2))
                return response?.status == .ok
            }
            #expect(healthy, "the executor reports healthy once it has read its state and a grant")
            for service in [ticks, audit] {
                let port = try #require(try await service.operationsPort(), "logged its port: \(service.stderr)")
                let up = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                    let response = try? await HTTPClient.shared.execute(
                        HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(2))
                    return response?.status == .ok
                }
                #expect(up, "healthy: \(service.stderr.suffix(1500))")
            }

            let brokers = ["--brokers", kafka.bootstrapServers]
            let (placeStatus, placed) = try await tradewire(
                ["order", "place", "--venue", "mt4-demo", "--symbol", "BTCUSD", "--side", "buy", "--quantity", "0.11"] + brokers)
            #expect(placeStatus == 0, "\(placed)")
            #expect(placed.contains("report filled (final)"), "\(placed)")
            #expect(placed.contains("fill mt4-demo:"), "\(placed)")
            let ticket = try #require(placed.firstMatch(of: /venueOrderId=([0-9]+)/).map { String($0.1) }, "\(placed)")

            let (closeStatus, closed) = try await tradewire(["order", "close", "--venue", "mt4-demo", "--order", ticket] + brokers)
            #expect(closeStatus == 0 && closed.contains("report closed (final)"), "\(closed)")

            let (tailStatus, tail) = try await tradewire(["tail", "orders.reports", "--from-beginning", "--count", "2"] + brokers)
            #expect(tailStatus == 0 && tail.contains(#""status" : "closed""#), "\(tail)")
            let (ticksStatus, tickLines) = try await tradewire(["tail", "market.ticks", "--count", "3", "--compact"] + brokers)
            #expect(ticksStatus == 0 && tickLines.contains(#""schema":"tick/v1","venue":"mt4-demo""#), "\(tickLines)")

            let commandId = try #require(placed.firstMatch(of: /commandId=([0-9a-f-]+)/).map { String($0.1) })
            var trail = ""
            _ = try await eventually(timeout: .seconds(15), interval: .milliseconds(200)) {
                let (status, output) = try await tradewire(["audit", "trail", "--command-id", commandId, "--db", database])
                trail = output
                return status == 0 && output.contains("execution-report/v1 status=filled") && output.contains("fill/v1")
            }
            #expect(trail.contains("order-command/v1 action=place") && trail.contains("fill/v1"), "\(trail)")
            let (verifyStatus, verified) = try await tradewire(["audit", "verify", "--db", database])
            #expect(verifyStatus == 0 && verified.contains("hash chain verified"), "\(verified)")

            for service in [ticks, executor, broker, audit] {
                #expect(try await service.terminate() == 0, "exits 0 on SIGTERM: \(service.stderr.suffix(1000))")
            }
            for service in all {
                let lines = service.stderr.split(separator: "\n")
                #expect(!lines.isEmpty)
                for line in lines {
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object?["ts"] != nil && object?["level"] != nil && object?["msg"] != nil, "a JSON log line: \(line)")
                }
                #expect(!service.stderr.contains("sim-mt4-api-key"))
            }
            #expect(executor.stderr.contains(#""msg":"Stopped""#))
        }
    }
}
