import Foundation

extension Date {
    /// ISO 8601 in UTC with milliseconds (`2026-01-02T03:04:05.678Z`), the format of every admin timestamp.
    var simulatorTimestamp: String {
        self.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// Whole seconds since the Unix epoch, rounded down.
    var epochSeconds: Int64 {
        Int64(self.timeIntervalSince1970.rounded(.down))
    }
}
