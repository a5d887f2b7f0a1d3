import Foundation
import TestSupport
import Testing
import VenueSimulator

/// The simulator's default Deriv tokens and account.
enum DerivDefaults {
    static let token = "sim-deriv-token"
    static let readOnlyToken = "sim-deriv-readonly"
    static let loginID = "VRTC1000001"
    static let endpoint = "/websockets/v3?app_id=1089&l=EN"
    /// A MULTUP on R_50 (×80) for `stake` USD, bought with `"1"` and `parameters`.
    static func multiplier(
        _ type: String = "MULTUP", symbol: String = "R_50", stake: Int = 10, multiplier: Int = 80,
        extra: [String: Any] = [:]
    ) -> [String: Any] {
        var parameters: [String: Any] = [
            "contract_type": type, "symbol": symbol, "currency": "USD", "amount": stake, "basis": "stake",
            "multiplier": multiplier,
        ]
        parameters.merge(extra) { _, new in new }
        return ["buy": "1", "price": stake + 100, "parameters": parameters]
    }
}

/// A Deriv API client over ``RawWebSocket``: sends requests with increasing `req_id`s, keeps every message it
/// reads, and finds an answer by its `req_id` (stream pushes repeat their request's `req_id`, so the first message
/// with it is the answer).
final class DerivTestClient {
    let socket: RawWebSocket
    /// Every JSON message read so far, in order.
    private(set) var messages: [[String: Any]] = []
    /// The close frame's code once the server sent one (`nil` inside when it had none).
    private(set) var closeCode: UInt16??
    private var nextReqID = 1

    private init(socket: RawWebSocket) {
        self.socket = socket
    }

    /// Connects to the Deriv endpoint of `sim` (`target` replaces the default path and query).
    static func connect(_ sim: SimulatorHarness, target: String = DerivDefaults.endpoint) async throws
        -> DerivTestClient
    {
        let (socket, handshake) = try await RawWebSocket.connect(port: sim.derivPort, target: target)
        let open = try #require(socket, "upgrade answered \(handshake.status)")
        return DerivTestClient(socket: open)
    }

    /// Whether the connection ended (close frame or TCP close).
    var isClosed: Bool { self.closeCode != nil || self.socket.isClosed }

    /// Sends a raw text frame.
    func send(text: String) async throws {
        try await self.socket.send(text: text)
    }

    /// Sends `request` with the next `req_id` (unless it has one); returns the `req_id`.
    @discardableResult
    func send(_ request: [String: Any]) async throws -> Int {
        var request = request
        let reqID = (request["req_id"] as? Int) ?? self.nextReqID
        if request["req_id"] == nil {
            request["req_id"] = reqID
            self.nextReqID += 1
        }
        let data = try JSONSerialization.data(withJSONObject: request)
        try await self.socket.send(text: String(decoding: data, as: UTF8.self))
        return reqID
    }

    /// Reads one frame; `nil` when none came within `timeout` or the connection ended.
    @discardableResult
    func read(timeout: Duration = .seconds(20)) async throws -> [String: Any]? {
        guard !self.isClosed else { return nil }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let frame = try await self.socket.next(timeout: deadline - ContinuousClock.now) else { return nil }
            switch frame {
            case .text(let text):
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not an object: \(text)")
                self.messages.append(object)
                return object
            case .close(let code):
                self.closeCode = .some(code)
                return nil
            default:
                continue
            }
        }
        return nil
    }

    /// The first message (read before, or now within `timeout`) that `matches` accepts.
    func first(
        timeout: Duration = .seconds(20), where matches: ([String: Any]) -> Bool
    ) async throws -> [String: Any]? {
        if let found = self.messages.first(where: matches) { return found }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let message = try await self.read(timeout: deadline - ContinuousClock.now) else { return nil }
            if matches(message) { return message }
        }
        return nil
    }

    /// Sends `request` and returns its answer.
    func call(_ request: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String: Any]
    {
        let reqID = try await self.send(request)
        return try #require(
            try await self.first { $0["req_id"] as? Int == reqID }, "no answer to \(request)",
            sourceLocation: sourceLocation)
    }

    /// Sends `request`, requires a successful answer and returns its payload (`msg_type`'s member).
    func payload(_ request: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) async throws -> Any {
        let answer = try await self.call(request, sourceLocation: sourceLocation)
        try #require(answer["error"] == nil, "error answer: \(answer)", sourceLocation: sourceLocation)
        let type = try #require(answer["msg_type"] as? String, sourceLocation: sourceLocation)
        return try #require(answer[type], "no \(type) in \(answer)", sourceLocation: sourceLocation)
    }

    /// Sends `request`, requires an object payload.
    func object(_ request: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String: Any]
    {
        try #require(
            try await self.payload(request, sourceLocation: sourceLocation) as? [String: Any],
            sourceLocation: sourceLocation)
    }

    /// Sends `request` and returns the code of its error answer (`nil` when it succeeded).
    func errorCode(_ request: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> String?
    {
        let answer = try await self.call(request, sourceLocation: sourceLocation)
        return (answer["error"] as? [String: Any])?["code"] as? String
    }

    /// `authorize` with `token`; requires success.
    func authorize(_ token: String = DerivDefaults.token) async throws {
        _ = try await self.object(["authorize": token])
    }

    /// Messages of the stream `id`.
    func messages(ofStream id: String) -> [[String: Any]] {
        self.messages.filter { ($0["subscription"] as? [String: Any])?["id"] as? String == id }
    }

    /// Reads until `count` messages of stream `id` have arrived (or `timeout` passes); whether they did.
    func awaitMessages(ofStream id: String, count: Int, timeout: Duration = .seconds(20)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while self.messages(ofStream: id).count < count, ContinuousClock.now < deadline {
            guard try await self.read(timeout: deadline - ContinuousClock.now) != nil else { break }
        }
        return self.messages(ofStream: id).count >= count
    }
}

extension SimulatorHarness {
    /// The bound Deriv port.
    var derivPort: Int { self.listeners.deriv?.port ?? 0 }

    /// The in-process Deriv venue.
    var derivVenue: DerivSimulator {
        get throws { try #require(self.simulator.deriv) }
    }

    /// Every contract the Deriv venue booked, as admin JSON objects.
    func derivOrders() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/deriv/orders") as? [[String: Any]])
    }

    /// The Deriv venue's request log, as admin JSON objects.
    func derivRequests() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/deriv/requests") as? [[String: Any]])
    }

    /// The Deriv venue's live counters.
    func derivStatus() async throws -> [String: Int] {
        try #require(try await self.adminGet("/deriv/status") as? [String: Int])
    }
}

/// Waits for `condition` with TestSupport's generous default (20 s): a loaded CI machine may be slow.
func derivEventually(_ condition: () async throws -> Bool) async throws -> Bool {
    try await TestSupport.eventually(condition)
}

/// The error code of an answer.
func derivError(_ answer: [String: Any]) -> String? {
    (answer["error"] as? [String: Any])?["code"] as? String
}
