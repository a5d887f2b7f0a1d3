import Logging

extension Logger {
    /// A copy of this logger whose messages carry the name of the venue (`venue.name`) that logs them.
    func forVenue(_ name: String) -> Logger {
        var logger = self
        logger[metadataKey: "venue.name"] = .string(name)
        return logger
    }
}
