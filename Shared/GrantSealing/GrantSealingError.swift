/// Why a grant could not be sealed or opened. ``description`` never contains key or grant material.
public struct GrantSealingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case invalidKey, unknownKey, tampered, protocolMismatch, rollback, sealFailed }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A configured key is malformed (size, id) or missing.
        public static let invalidKey = Code(.invalidKey)
        /// The grant names a key id this process does not have.
        public static let unknownKey = Code(.unknownKey)
        /// The sealed bytes or a bound field were altered, or the grant was moved to another venue or version.
        public static let tampered = Code(.tampered)
        /// The material is for another protocol than the grant declares.
        public static let protocolMismatch = Code(.protocolMismatch)
        /// The grant is not newer than one already applied.
        public static let rollback = Code(.rollback)
        /// Sealing failed.
        public static let sealFailed = Code(.sealFailed)

        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A reason safe to log.
    public var reason: String

    /// Creates an error.
    public init(_ code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "GrantSealingError.\(self.code): \(self.reason)" }
}
