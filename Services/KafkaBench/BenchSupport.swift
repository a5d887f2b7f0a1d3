import Foundation
import Logging
import ServiceLifecycle

/// The throughput workload: realistic ~200-byte order-command JSON documents over 16 venue keys.
struct Workload {
    let count: Int
    let keys = (0..<16).map { "venue-\($0)" }
    let keyData: [Data]
    let payloads: [Data]

    init(count: Int) {
        self.count = count
        self.keyData = self.keys.map { Data($0.utf8) }
        let keys = self.keys
        self.payloads = (0..<count).map { index in
            let serial = String(index, radix: 16)
            let id = "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - serial.count)) + serial
            let side = index % 2 == 0 ? "buy" : "sell"
            return Data(("{\"schema\":\"order-command/v1\",\"commandId\":\"\(id)\",\"action\":\"place\",\"venue\":\""
                + keys[index % keys.count] + "\",\"symbol\":\"EURUSD\",\"side\":\"\(side)\","
                + "\"quantity\":\"0.11\",\"orderType\":\"market\"}").utf8)
        }
    }

    var averageSize: Int { self.payloads.reduce(0) { $0 + $1.count } / max(1, self.payloads.count) }

    /// The same records for `kcat -P -K '\t' -l FILE`: `key<TAB>value` per line.
    func writeKcatInput() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-bench-\(getpid()).txt")
        var data = Data()
        data.reserveCapacity(self.count * (self.averageSize + 16))
        for (index, payload) in self.payloads.enumerated() {
            data.append(self.keyData[index % self.keyData.count])
            data.append(0x09)
            data.append(payload)
            data.append(0x0A)
        }
        try data.write(to: url)
        return url
    }
}

struct Percentiles {
    var p50: Double
    var p99: Double
    var p999: Double

    init(p50: Double, p99: Double, p999: Double) {
        (self.p50, self.p99, self.p999) = (p50, p99, p999)
    }

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func at(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        self.init(p50: at(0.5), p99: at(0.99), p999: at(0.999))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == Double {
    var median: Double { self.isEmpty ? .nan : self.sorted()[self.count / 2] }
}

extension Duration {
    var seconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}

/// Runs services while `body` runs, then shuts them down gracefully.
func withRunning<R: Sendable>(
    _ services: any Service..., logger: Logger, body: @Sendable () async throws -> R
) async throws -> R {
    let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        defer { tasks.cancelAll() }
        let result = try await body()
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// Runs an executable found on PATH (or by path) and waits for it.
func runProcess(_ executable: String, _ arguments: [String], stdout: Pipe? = nil) throws -> Int32 {
    let process = Process()
    if executable.contains("/") {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
    }
    if let stdout { process.standardOutput = stdout }
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
