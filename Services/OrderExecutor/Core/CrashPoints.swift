import Foundation

/// Crash points for the chaos suite (`make chaos`): with `TRADEWIRE_CHAOS_KILL` set, for example
/// `after-intent=0.01,during-venue=0.01,after-venue=0.01,after-outcome=0.01,after-report=0.01`, the executor kills
/// itself with SIGKILL when it reaches a point, with that probability. Unset (always, outside that suite) every
/// point is a no-op. Each kill is announced on standard error as `chaos: SIGKILL at <point>` first.
struct CrashPoints: Sendable {
    /// Where in the order path.
    enum Point: String, Sendable, CaseIterable {
        /// The intent is journaled; the venue has not been called.
        case afterIntent = "after-intent"
        /// The venue request is on its way (the kill comes 0–5 ms after the call starts, usually before the answer).
        case duringVenue = "during-venue"
        /// The venue answered; the outcome is not journaled.
        case afterVenue = "after-venue"
        /// The outcome is journaled; the report is not published.
        case afterOutcome = "after-outcome"
        /// The report is published; the offset is not marked.
        case afterReport = "after-report"
    }

    private let probabilities: [Point: Double]

    /// No crash points.
    init() { self.probabilities = [:] }

    /// The points of `TRADEWIRE_CHAOS_KILL` (malformed entries are ignored).
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> CrashPoints {
        CrashPoints(specification: environment["TRADEWIRE_CHAOS_KILL"] ?? "")
    }

    init(specification: String) {
        var probabilities: [Point: Double] = [:]
        for item in specification.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let point = Point(rawValue: parts[0]), let p = Double(parts[1]), p > 0, p <= 1 else { continue }
            probabilities[point] = p
        }
        self.probabilities = probabilities
    }

    /// Kills the process at `point` with its probability.
    func reach(_ point: Point) {
        guard let p = self.probabilities[point], Double.random(in: 0..<1) < p else { return }
        Self.kill(at: point)
    }

    /// For `during-venue`: when drawn, kills the process a few milliseconds from now, while the call runs.
    func arm(_ point: Point) {
        guard let p = self.probabilities[point], Double.random(in: 0..<1) < p else { return }
        let delay = Duration.microseconds(Int64.random(in: 0...5_000))
        Task.detached {
            try? await Task.sleep(for: delay)
            Self.kill(at: point)
        }
    }

    private static func kill(at point: Point) {
        FileHandle.standardError.write(Data("chaos: SIGKILL at \(point.rawValue)\n".utf8))
        Foundation.kill(getpid(), SIGKILL)
    }
}
