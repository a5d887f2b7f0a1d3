import Foundation
import Synchronization
import TestSupport
import Testing
import VenueSimulator

/// The simulator's default Magnr key pair.
enum MagnrDefaults {
    static let publicKey = "sim-magnr-pub"
    static let privateKey = "sim-magnr-priv"
    /// Every member of the trade object (S002 plus `pair`), always present.
    static let tradeKeys: Set<String> = [
        "id", "side", "leverage", "size", "deposit", "exchange", "pair", "created_at", "closed_at", "open_price",
        "close_price", "closed_reason", "trade_rate", "daily_rate", "trade_fees", "daily_fees", "stop_margin",
        "trail_margin", "sell_limit", "status", "profit",
    ]
}

/// Tonces for the tests: milliseconds since the epoch, strictly increasing across the whole test run (so that every
/// simulator, fresh or not, sees them increase).
final class MagnrTonces: Sendable {
    private let last = Mutex<Int64>(0)

    /// The next tonce: the clock in milliseconds, or one above the previous tonce.
    func next() -> Int64 {
        let now = Self.nowMilliseconds()
        return self.last.withLock { last in
            last = max(now, last + 1)
            return last
        }
    }

    /// The wall clock in milliseconds since the epoch.
    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

let magnrTonces = MagnrTonces()

/// Runs a program found in `PATH` (the first argument) to completion; the exit status and its standard output.
func runProgram(_ arguments: [String], environment: [String: String] = [:]) async throws -> (
    status: Int32, output: Data
) {
    try await ChildProcess.run(
        arguments[0], Array(arguments.dropFirst()),
        environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new })
}

/// `base64(HMAC-SHA512(key, message))` computed by the `openssl` binary (`openssl dgst -sha512 -hmac … -binary`), so
/// that the simulator's signature check is verified against an independent implementation.
func opensslSignature(key: String, message: [UInt8]) async throws -> String {
    let input = FileManager.default.temporaryDirectory.appendingPathComponent("venue-sim-hmac-\(UUID()).in")
    try Data(message).write(to: input)
    defer { try? FileManager.default.removeItem(at: input) }
    let (status, mac) = try await runProgram(["openssl", "dgst", "-sha512", "-hmac", key, "-binary", input.path])
    try #require(status == 0 && mac.count == 64, "openssl dgst failed (status \(status), \(mac.count) bytes)")
    return mac.base64EncodedString()
}

/// curl arguments for one signed Magnr call (the seed's headers, the body sent byte for byte with `--data-raw`).
///
/// - Parameters:
///   - tonce: the `Tonce` value to sign and send; a fresh one when `nil`.
///   - sendsTonce: `false` leaves the header out (the signature then covers an empty tonce).
///   - authorization: replaces the computed `Authorization` value.
func magnrArguments(
    base: String, _ method: String, _ path: String, json: String? = nil, tonce: String? = nil, sendsTonce: Bool = true,
    publicKey: String = MagnrDefaults.publicKey, privateKey: String = MagnrDefaults.privateKey,
    authorization: String? = nil
) async throws -> [String] {
    let tonceText = tonce ?? String(magnrTonces.next())
    let signedTonce = sendsTonce ? tonceText : ""
    let signature = try await opensslSignature(
        key: privateKey, message: Array((signedTonce + publicKey + (json ?? "")).utf8))
    let credentials = "Basic " + Data("\(publicKey):\(signature)".utf8).base64EncodedString()
    var arguments = [
        "-X", method, base + path, "-H", "Accept: application/json", "-H",
        "Authorization: \(authorization ?? credentials)",
    ]
    if sendsTonce { arguments += ["-H", "Tonce: \(tonceText)"] }
    if let json { arguments += ["-H", "Content-Type: application/json", "--data-raw", json] }
    return arguments
}

/// The `errors` of a Magnr error body.
func magnrErrors(_ result: CurlResult) -> [String]? {
    ((try? JSONSerialization.jsonObject(with: result.body)) as? [String: Any])?["errors"] as? [String]
}

/// Polls every 200 ms (each poll may start curl and openssl) with TestSupport's generous default timeout.
func magnrEventually(_ condition: () async throws -> Bool) async throws -> Bool {
    try await TestSupport.eventually(interval: .milliseconds(200), condition)
}

extension SimulatorHarness {
    /// `http://127.0.0.1:<magnr port>`.
    var magnr: String { "http://127.0.0.1:\(self.listeners.magnr?.port ?? 0)" }

    /// The in-process Magnr venue.
    var magnrVenue: MagnrSimulator {
        get throws { try #require(self.simulator.magnr) }
    }

    /// One signed call of the Magnr API (see `magnrArguments(base:…)`).
    func magnrCall(
        _ method: String, _ path: String, json: String? = nil, tonce: String? = nil, sendsTonce: Bool = true,
        publicKey: String = MagnrDefaults.publicKey, privateKey: String = MagnrDefaults.privateKey,
        authorization: String? = nil
    ) async throws -> CurlResult {
        try await Curl.run(
            try await magnrArguments(
                base: self.magnr, method, path, json: json, tonce: tonce, sendsTonce: sendsTonce,
                publicKey: publicKey, privateKey: privateKey, authorization: authorization))
    }

    /// `POST /api/v1/trades/` that must answer 201 `{"id": N}`; returns the id.
    func createTrade(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        let result = try await self.magnrCall("POST", "/api/v1/trades/", json: json)
        try #require(result.status == 201, "create answered \(result.status ?? 0): \(result.text)")
        #expect(result.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
        #expect(object.count == 1, "only the id: \(result.text)", sourceLocation: sourceLocation)
        return try #require(object["id"] as? Int)
    }

    /// `GET /api/v1/trades/{id}/` that must answer 200; the trade object, checked for its members.
    func trade(_ id: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let result = try await self.magnrCall("GET", "/api/v1/trades/\(id)/")
        try #require(result.status == 200, "GET trade answered \(result.status ?? 0): \(result.text)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
        let trade = try #require(object["trade"] as? [String: Any])
        #expect(Set(trade.keys) == MagnrDefaults.tradeKeys, sourceLocation: sourceLocation)
        return trade
    }

    /// Every trade the Magnr venue booked, as admin JSON objects.
    func magnrOrders() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/magnr/orders") as? [[String: Any]])
    }

    /// The Magnr venue's counters.
    func magnrStatus() async throws -> [String: Int] {
        try #require(try await self.adminGet("/magnr/status") as? [String: Int])
    }

    /// The Magnr venue's request log.
    func magnrRequests() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/magnr/requests") as? [[String: Any]])
    }
}

/// A trade body with the given members (written in this order).
func magnrTrade(
    side: String = "buy", size: String = "0.2", exchange: String = "Bitfinex", pair: String = "BTCUSD",
    leverage: Int? = nil, extra: String = ""
) -> String {
    var body = #"{"side":"\#(side)","size":\#(size),"exchange":"\#(exchange)","pair":"\#(pair)""#
    if let leverage { body += #","leverage":\#(leverage)"# }
    return body + extra + "}"
}

/// A JSON value of a trade as `Decimal` (`nil` for `null` or a missing member).
func tradeDecimal(_ trade: [String: Any], _ key: String) -> Decimal? {
    decimal(trade[key])
}
