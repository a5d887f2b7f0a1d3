/// The one error type of the venue simulators.
///
/// Match on ``code``. ``description`` is safe to log: it never contains API keys or tokens.
public struct VenueSimulatorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an opaque code: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidConfiguration, bindFailed, notRunning, invalidFaultSettings
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A configuration value is out of range or inconsistent.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A listener could not be bound (address in use, permission denied, bad host).
        public static let bindFailed = Code(.bindFailed)
        /// The simulator stopped (or never started) before the requested state was reached.
        public static let notRunning = Code(.notRunning)
        /// A fault-injection request body was not valid.
        public static let invalidFaultSettings = Code(.invalidFaultSettings)

        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable reason, safe to log.
    public var reason: String
    /// The error that caused this one, if any.
    public var underlying: (any Error)?
    /// Where the error was raised (`file:line`).
    public var location: String

    /// Creates an error.
    public init(
        _ code: Code, reason: String, underlying: (any Error)? = nil, file: String = #fileID, line: UInt = #line
    ) {
        (self.code, self.reason, self.underlying) = (code, reason, underlying)
        self.location = "\(file):\(line)"
    }

    public var description: String { "VenueSimulatorError.\(self.code): \(self.reason)" }
}
