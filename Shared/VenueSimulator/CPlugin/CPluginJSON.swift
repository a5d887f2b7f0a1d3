import Foundation

extension OrderedJSON {
    /// A date-time in UTC with whole seconds (`2026-01-02T03:04:05Z`), MT4's precision.
    static func dateTime(_ date: Date) -> OrderedJSON {
        .string(date.cpluginDateTime)
    }
}

extension Date {
    /// ISO 8601 in UTC with whole seconds (`2026-01-02T03:04:05Z`), the CPlugin face's date-time format.
    var cpluginDateTime: String {
        Date(timeIntervalSince1970: self.timeIntervalSince1970.rounded(.down))
            .formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// The MT4 "no time" value, `1970-01-01T00:00:00Z` (`closeTime` of an open trade, `expiration` when none).
    static let mt4Epoch = Date(timeIntervalSince1970: 0)
}
