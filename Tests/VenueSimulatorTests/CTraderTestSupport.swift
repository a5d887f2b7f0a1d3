import Foundation
import TestSupport
import Testing
import VenueSimulator

/// The simulator's default cTrader application, account and tokens.
enum CTraderDefaults {
    static let account = 1_000_001
    static let clientID = "sim-ctrader-client"
    static let clientSecret = "sim-ctrader-secret"
    static let accessToken = "sim-ctrader-access"
    static let refreshToken = "sim-ctrader-refresh"
    static let eurusd = 1
    static let usdjpy = 3
    static let btcusd = 5
    /// 0.01 lot of EURUSD (1,000 units) in cents of units.
    static let microLot = 100_000
}

/// A cTrader Open API client over ``RawWebSocket``: sends frames with increasing `clientMsgId`s (`c-1`, `c-2`, …),
/// keeps every message it reads, and finds answers by their `clientMsgId`.
final class CTraderTestClient {
    let socket: RawWebSocket
    /// Every JSON message read so far, in order.
    private(set) var messages: [[String: Any]] = []
    /// The close frame's code once the server sent one (`nil` inside when it had none).
    private(set) var closeCode: UInt16??
    private var nextID = 1

    private init(socket: RawWebSocket) {
        self.socket = socket
    }

    /// Connects to the cTrader endpoint of `sim`.
    static func connect(_ sim: SimulatorHarness, target: String = "/") async throws -> CTraderTestClient {
        let (socket, handshake) = try await RawWebSocket.connect(port: sim.ctraderPort, target: target)
        let open = try #require(socket, "upgrade answered \(handshake.status)")
        return CTraderTestClient(socket: open)
    }

    /// Connects and authenticates the application and the account.
    static func authenticated(
        _ sim: SimulatorHarness, accessToken: String = CTraderDefaults.accessToken
    ) async throws -> CTraderTestClient {
        let client = try await Self.connect(sim)
        try await client.authenticate(accessToken: accessToken)
        return client
    }

    /// Whether the connection ended (close frame or TCP close).
    var isClosed: Bool { self.closeCode != nil || self.socket.isClosed }

    /// Sends a raw text frame.
    func send(text: String) async throws {
        try await self.socket.send(text: text)
    }

    /// Sends `{clientMsgId, payloadType, payload}` (a fresh `clientMsgId` unless one is given); returns the id.
    @discardableResult
    func send(_ payloadType: Int, _ payload: [String: Any] = [:], clientMsgID: String? = nil) async throws -> String {
        let id = clientMsgID ?? "c-\(self.nextID)"
        self.nextID += 1
        let frame: [String: Any] = ["clientMsgId": id, "payloadType": payloadType, "payload": payload]
        let data = try JSONSerialization.data(withJSONObject: frame, options: [.sortedKeys])
        try await self.socket.send(text: String(decoding: data, as: UTF8.self))
        return id
    }

    /// Sends a heartbeat (51, no `clientMsgId`).
    func heartbeat() async throws {
        try await self.socket.send(text: #"{"payloadType":51,"payload":{}}"#)
    }

    /// Reads one message; `nil` when none came within `timeout` or the connection ended.
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

    /// Reads until the connection ends (or `timeout` passes); whether it ended.
    func readUntilClosed(timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !self.isClosed, ContinuousClock.now < deadline {
            _ = try await self.read(timeout: deadline - ContinuousClock.now)
        }
        return self.isClosed
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

    /// Reads until `count` messages `matches` accepts have arrived (or `timeout` passes); returns them.
    func collect(
        _ count: Int, timeout: Duration = .seconds(20), where matches: ([String: Any]) -> Bool
    ) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while self.messages.filter(matches).count < count, ContinuousClock.now < deadline {
            guard try await self.read(timeout: deadline - ContinuousClock.now) != nil else { break }
        }
        return self.messages.filter(matches)
    }

    /// Every message read so far that carries `clientMsgID`.
    func messages(for clientMsgID: String) -> [[String: Any]] {
        self.messages.filter { $0["clientMsgId"] as? String == clientMsgID }
    }

    /// Sends a request and returns the first message with its `clientMsgId`.
    func call(
        _ payloadType: Int, _ payload: [String: Any] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let id = try await self.send(payloadType, payload)
        return try #require(
            try await self.first { $0["clientMsgId"] as? String == id }, "no answer to \(payloadType) \(payload)",
            sourceLocation: sourceLocation)
    }

    /// Sends a request, requires an answer of `expected` and returns its payload.
    func payload(
        _ payloadType: Int, _ payload: [String: Any] = [:], expecting expected: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let answer = try await self.call(payloadType, payload, sourceLocation: sourceLocation)
        try #require(
            ctraderType(answer) == expected, "expected \(expected), got \(answer)", sourceLocation: sourceLocation)
        return ctraderPayload(answer)
    }

    /// Sends an account-scoped request (adds `ctidTraderAccountId`) and returns its answer.
    func accountCall(
        _ payloadType: Int, _ payload: [String: Any] = [:], account: Int = CTraderDefaults.account,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        var payload = payload
        payload["ctidTraderAccountId"] = account
        return try await self.call(payloadType, payload, sourceLocation: sourceLocation)
    }

    /// 2100 with the default application; requires 2101.
    func authenticateApplication() async throws {
        _ = try await self.payload(
            2100, ["clientId": CTraderDefaults.clientID, "clientSecret": CTraderDefaults.clientSecret], expecting: 2101)
    }

    /// 2102 for the default account with `accessToken`; requires 2103.
    func authorizeAccount(accessToken: String = CTraderDefaults.accessToken) async throws {
        _ = try await self.payload(
            2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": accessToken], expecting: 2103)
    }

    /// Application and account auth.
    func authenticate(accessToken: String = CTraderDefaults.accessToken) async throws {
        try await self.authenticateApplication()
        try await self.authorizeAccount(accessToken: accessToken)
    }

    /// A market order; returns every frame answering it once the last one (FILLED or an error) arrived.
    func marketOrder(
        side: Int = 1, symbol: Int = CTraderDefaults.eurusd, volume: Int = CTraderDefaults.microLot,
        extra: [String: Any] = [:]
    ) async throws -> (id: String, frames: [[String: Any]]) {
        var payload: [String: Any] = [
            "ctidTraderAccountId": CTraderDefaults.account, "symbolId": symbol, "orderType": 1, "tradeSide": side,
            "volume": volume,
        ]
        payload.merge(extra) { _, new in new }
        let id = try await self.send(2106, payload)
        _ = try await self.first { $0["clientMsgId"] as? String == id && ctraderIsFinal($0) }
        return (id, self.messages(for: id))
    }
}

/// The payload type of a message.
func ctraderType(_ message: [String: Any]) -> Int? { message["payloadType"] as? Int }

/// The payload of a message (empty when absent).
func ctraderPayload(_ message: [String: Any]) -> [String: Any] { message["payload"] as? [String: Any] ?? [:] }

/// The `errorCode` of an error message (50, 2142, 2132).
func ctraderError(_ message: [String: Any]) -> String? {
    [50, 2132, 2142].contains(ctraderType(message) ?? 0) ? ctraderPayload(message)["errorCode"] as? String : nil
}

/// The `executionType` of a 2126.
func ctraderExecution(_ message: [String: Any]) -> Int? {
    ctraderType(message) == 2126 ? ctraderPayload(message)["executionType"] as? Int : nil
}

/// The `position.positionId` of an execution event.
func ctraderPositionID(_ message: [String: Any]?) -> Int? {
    (message.map(ctraderPayload)?["position"] as? [String: Any])?["positionId"] as? Int
}

/// Whether `message` ends a trading request's answer: an error or an execution other than ORDER_ACCEPTED of a
/// market order.
func ctraderIsFinal(_ message: [String: Any]) -> Bool {
    ctraderError(message) != nil || [3, 5].contains(ctraderExecution(message) ?? 0)
}

extension SimulatorHarness {
    /// The bound cTrader port.
    var ctraderPort: Int { self.listeners.ctrader?.port ?? 0 }

    /// The in-process cTrader venue.
    var ctraderVenue: CTraderSimulator {
        get throws { try #require(self.simulator.ctrader) }
    }

    /// Every position and pending order of the cTrader venue, as admin JSON objects.
    func ctraderOrders() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/ctrader/orders") as? [[String: Any]])
    }

    /// The cTrader venue's request log, as admin JSON objects.
    func ctraderRequests() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/ctrader/requests") as? [[String: Any]])
    }

    /// The cTrader venue's live counters.
    func ctraderStatus() async throws -> [String: Int] {
        try #require(try await self.adminGet("/ctrader/status") as? [String: Int])
    }

    /// `GET http://127.0.0.1:<port>/apps/token?<query>`, decoded.
    func ctraderToken(query: String, post: Bool = false) async throws -> (status: Int?, body: [String: Any]) {
        let url = "http://127.0.0.1:\(self.ctraderPort)/apps/token"
        let arguments =
            post
            ? ["-X", "POST", url, "-H", "Content-Type: application/x-www-form-urlencoded", "-d", query]
            : [url + "?" + query]
        let result = try await Curl.run(arguments)
        let body = (try? JSONSerialization.jsonObject(with: result.body)) as? [String: Any] ?? [:]
        return (result.status, body)
    }
}

/// Waits for `condition` with TestSupport's generous default (20 s): a loaded CI machine may be slow.
func ctraderEventually(_ condition: () async throws -> Bool) async throws -> Bool {
    try await TestSupport.eventually(condition)
}
