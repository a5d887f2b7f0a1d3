import Foundation
public import Logging
import Messages

/// A swift-log handler writing one JSON object per line:
/// `{"ts":"2026-…Z","level":"info","service":"order-executor","msg":"…","command.id":"…","venue.name":"…"}`.
///
/// Metadata keys are flattened into the object (nested values as strings). Nothing here redacts: secrets never
/// reach a logger in the first place (``VenueSecret`` prints as `<redacted>`).
public struct JSONLogHandler: LogHandler {
    /// Where lines go.
    public typealias Sink = @Sendable (String) -> Void

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let sink: Sink

    /// A handler for `label` writing to `sink` (standard error by default).
    public init(label: String, sink: @escaping Sink = JSONLogHandler.standardError) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = "{\"ts\":\(JSONText.quoted(Self.timestamp()))"
        line += ",\"level\":\(JSONText.quoted(event.level.rawValue))"
        line += ",\"service\":\(JSONText.quoted(self.label))"
        line += ",\"msg\":\(JSONText.quoted(event.message.description))"
        for key in merged.keys.sorted() where !["ts", "level", "service", "msg"].contains(key) {
            line += ",\(JSONText.quoted(key)):\(JSONText.quoted(merged[key]!.description))"
        }
        line += "}\n"
        self.sink(line)
    }

    private static func timestamp() -> String { Timestamp.now().rfc3339String }

    /// Writes each line to standard error with one `write(2)` (lines from threads never interleave).
    public static let standardError: Sink = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// How a service logs, chosen on the command line.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One JSON object per line (the default for services).
    case json
    /// swift-log's plain text.
    case text

    /// Bootstraps swift-log once for the process.
    public func bootstrap(level: Logger.Level) {
        switch self {
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
