import Foundation
public import Messages

/// One message of the ASP.NET Core SignalR JSON hub protocol (protocols.md §2.7), for the CPlugin hub client and the
/// simulator's hub. Property names are case-sensitive; every message on the wire ends with the record separator 0x1E.
public enum SignalRMessage: Sendable, Hashable {
    /// Type 1. Without an id: fire-and-forget, and how the server pushes events (`onTick`).
    case invocation(invocationId: String?, target: String, arguments: [JSONValue])
    /// Type 2.
    case streamItem(invocationId: String, item: JSONValue)
    /// Type 3: a result or an error, never both.
    case completion(invocationId: String, result: JSONValue?, error: String?)
    /// Type 4.
    case streamInvocation(invocationId: String, target: String, arguments: [JSONValue])
    /// Type 5.
    case cancelInvocation(invocationId: String)
    /// Type 6.
    case ping
    /// Type 7.
    case close(error: String?, allowReconnect: Bool?)
    /// Types 8 and 9 (stateful reconnect) and any later type: readers ignore them.
    case other(type: Int)

    /// The record separator ending every message.
    public static let recordSeparator: Character = "\u{1E}"

    /// The client's first message: `{"protocol":"json","version":1}` + 0x1E.
    public static let handshakeRequest = #"{"protocol":"json","version":1}"# + "\u{1E}"

    /// The message as JSON text followed by the record separator.
    public func framed() -> String {
        var object: [String: JSONValue] = [:]
        switch self {
        case .invocation(let id, let target, let arguments):
            object = ["type": .number(1), "target": .string(target), "arguments": .array(arguments)]
            if let id { object["invocationId"] = .string(id) }
        case .streamItem(let id, let item):
            object = ["type": .number(2), "invocationId": .string(id), "item": item]
        case .completion(let id, let result, let error):
            object = ["type": .number(3), "invocationId": .string(id)]
            if let error { object["error"] = .string(error) } else if let result { object["result"] = result }
        case .streamInvocation(let id, let target, let arguments):
            object = ["type": .number(4), "invocationId": .string(id), "target": .string(target), "arguments": .array(arguments)]
        case .cancelInvocation(let id):
            object = ["type": .number(5), "invocationId": .string(id)]
        case .ping:
            object = ["type": .number(6)]
        case .close(let error, let allowReconnect):
            object = ["type": .number(7)]
            if let error { object["error"] = .string(error) }
            if let allowReconnect { object["allowReconnect"] = .bool(allowReconnect) }
        case .other(let type):
            object = ["type": .number(Decimal(type))]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(JSONValue.object(object))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + String(Self.recordSeparator)
    }

    /// Decodes one record (without its separator).
    public init(record: String) throws(SignalRProtocolError) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(record.utf8)), case .object(let object) = value else {
            throw SignalRProtocolError("a hub message must be a JSON object")
        }
        guard case .number(let number)? = object["type"], let type = Int(exactly: NSDecimalNumber(decimal: number).doubleValue) else {
            throw SignalRProtocolError("a hub message needs a numeric type")
        }
        func string(_ key: String) -> String? {
            if case .string(let text)? = object[key] { return text }
            return nil
        }
        func required(_ key: String) throws(SignalRProtocolError) -> String {
            guard let text = string(key) else { throw SignalRProtocolError("message type \(type) needs \(key)") }
            return text
        }
        func arguments() throws(SignalRProtocolError) -> [JSONValue] {
            switch object["arguments"] {
            case .array(let values)?: return values
            case nil: return []
            default: throw SignalRProtocolError("arguments must be an array")
            }
        }
        switch type {
        case 1: self = .invocation(invocationId: string("invocationId"), target: try required("target"), arguments: try arguments())
        case 2: self = .streamItem(invocationId: try required("invocationId"), item: object["item"] ?? .null)
        case 3:
            let error = string("error")
            if error != nil, object["result"] != nil {
                throw SignalRProtocolError("a completion carries a result or an error, not both")
            }
            self = .completion(invocationId: try required("invocationId"), result: object["result"], error: error)
        case 4: self = .streamInvocation(invocationId: try required("invocationId"), target: try required("target"), arguments: try arguments())
        case 5: self = .cancelInvocation(invocationId: try required("invocationId"))
        case 6: self = .ping
        case 7:
            var allowReconnect: Bool?
            if case .bool(let flag)? = object["allowReconnect"] { allowReconnect = flag }
            self = .close(error: string("error"), allowReconnect: allowReconnect)
        default: self = .other(type: type)
        }
    }
}

/// A violation of the hub protocol.
public struct SignalRProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public var reason: String
    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "SignalRProtocolError: \(self.reason)" }
}

/// Splits WebSocket text frames into hub records: one frame may hold several records, and a record may span frames.
public struct SignalRRecordSplitter: Sendable {
    private var pending = ""

    /// An empty splitter.
    public init() {}

    /// The complete records in `text` (and what was pending before it); a trailing partial record is kept.
    public mutating func append(_ text: String) -> [String] {
        self.pending += text
        var records: [String] = []
        while let end = self.pending.firstIndex(of: SignalRMessage.recordSeparator) {
            records.append(String(self.pending[..<end]))
            self.pending.removeSubrange(...end)
        }
        return records
    }

    /// Whether part of a record is waiting for the rest.
    public var hasPartialRecord: Bool { !self.pending.isEmpty }
}

/// The server's answer to the handshake: `{}` accepts, `{"error": "…"}` refuses.
public enum SignalRHandshakeResponse: Sendable, Hashable {
    /// Accepted.
    case accepted
    /// Refused, with the server's reason.
    case refused(String)

    /// Reads the first record the server sends.
    public init(record: String) throws(SignalRProtocolError) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(record.utf8)), case .object(let object) = value else {
            throw SignalRProtocolError("the handshake response must be a JSON object")
        }
        if case .string(let error)? = object["error"] {
            self = .refused(error)
        } else {
            self = .accepted
        }
    }

    /// The record a server sends.
    public var framed: String {
        switch self {
        case .accepted: return "{}" + String(SignalRMessage.recordSeparator)
        case .refused(let reason):
            let data = (try? JSONEncoder().encode(["error": reason])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + String(SignalRMessage.recordSeparator)
        }
    }
}
