import Foundation
import Testing
import VenueSimulator

/// The simulator's default CPlugin client credentials and trade platform.
enum CPluginDefaults {
    static let clientID = "sim-cplugin-client"
    static let clientSecret = "sim-cplugin-secret"
    static let platform = "00000000-0000-0000-0000-000000000001"
    static let form = "grant_type=client_credentials&scope=webapi&client_id=\(clientID)&client_secret=\(clientSecret)"
}

/// The member names of the OpenAPI component schemas the simulator writes (every one has
/// `additionalProperties: false`, and the simulator writes every member).
enum CPluginSchema {
    static let envelope: Set<String> = ["data", "error", "meta"]
    static let apiError: Set<String> = ["code", "managerCode", "message"]
    static let meta: Set<String> = ["activityId"]
    static let pagedMeta: Set<String> = ["activityId", "paging"]
    static let transaction: Set<String> = [
        "tradeTransactionType", "tradeCommand", "tradeRequestFlags", "expiration", "order", "orderBy", "symbol",
        "volume", "price", "sl", "tp", "ieDeviation", "comment", "crc",
    ]
    static let trade: Set<String> = [
        "order", "login", "symbol", "digits", "tradeCommand", "volume", "volumeLots", "tradeRecordState", "openPrice",
        "sl", "tp", "openTime", "closeTime", "closePrice", "commission", "commissionAgent", "storage", "profit",
        "taxes", "magic", "comment", "expiration", "tradeRecordReason", "activationType", "timeStamp", "marginRate",
    ]
    static let marginLevel: Set<String> = [
        "login", "group", "leverage", "updated", "balance", "equity", "volume", "margin", "free", "level",
        "controllingType", "levelType",
    ]
    static let user: Set<String> = [
        "login", "group", "name", "registrationDate", "lastDate", "externalId", "status", "country", "city", "state",
        "zipCode", "address", "leadSource", "phone", "email", "comment", "leverage", "agentAccount", "lastIP",
        "balance", "credit", "prevMonthBalance", "prevBalance", "prevMonthEquity", "prevEquity", "interestRate",
        "taxes", "enableFlags", "sendReports", "mqid", "userColor",
    ]
    static let tick: Set<String> = ["symbol", "time", "bid", "ask"]
    static let webApiErrorCodes: Set<String> = [
        "Ok", "NoConnect", "Validation", "MT4Error", "Forbidden", "NotFound", "MT5Error", "Internal",
    ]
}

/// A decoded v2 envelope.
struct CPluginEnvelope {
    var object: [String: Any]
    var text: String

    var data: Any? { self.object["data"].flatMap { $0 is NSNull ? nil : $0 } }
    var dataObject: [String: Any]? { self.data as? [String: Any] }
    var dataArray: [[String: Any]]? { self.data as? [[String: Any]] }
    var error: [String: Any]? { self.object["error"] as? [String: Any] }
    var errorCode: String? { self.error?["code"] as? String }
    var managerCode: String? { self.error?["managerCode"] as? String }
    var message: String? { self.error?["message"] as? String }
    var activityID: String? { (self.object["meta"] as? [String: Any])?["activityId"] as? String }
    var paging: [String: Any]? { (self.object["meta"] as? [String: Any])?["paging"] as? [String: Any] }

    /// Checks the envelope's shape against the OpenAPI `*ApiResponse` schemas: exactly `data`, `error`, `meta`;
    /// `error` null or exactly `{code, managerCode, message}` with a `WebApiErrorCode`; `meta` exactly
    /// `{activityId}` with 32 hex digits (plus `paging` on a paged list); `data` null exactly when there is an error.
    func expectWellFormed(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(self.object.keys) == CPluginSchema.envelope, sourceLocation: sourceLocation)
        let meta = self.object["meta"] as? [String: Any]
        let metaKeys = meta.map { Set($0.keys) }
        #expect(metaKeys == CPluginSchema.meta || metaKeys == CPluginSchema.pagedMeta, sourceLocation: sourceLocation)
        let id = self.activityID ?? ""
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit) && id == id.lowercased(), sourceLocation: sourceLocation)
        if let error = self.error {
            #expect(Set(error.keys) == CPluginSchema.apiError, sourceLocation: sourceLocation)
            #expect(CPluginSchema.webApiErrorCodes.contains(self.errorCode ?? ""), sourceLocation: sourceLocation)
            #expect(self.object["data"] is NSNull, "data is null on error", sourceLocation: sourceLocation)
        } else {
            #expect(self.object["error"] is NSNull, "error is written as null", sourceLocation: sourceLocation)
        }
    }
}

extension SimulatorHarness {
    /// `http://127.0.0.1:<cplugin port>`.
    var cplugin: String { "http://127.0.0.1:\(self.listeners.cplugin?.port ?? 0)" }
    /// The bound CPlugin port.
    var cpluginPort: Int { self.listeners.cplugin?.port ?? 0 }
    /// The v2 API root of the served trade platform.
    var api: String { self.cplugin + "/api/v2/MT4/" + CPluginDefaults.platform }

    /// `POST /connect/token` with `form` as the body.
    func tokenRequest(
        _ form: String, contentType: String = "application/x-www-form-urlencoded", extra: [String] = []
    ) async throws -> CurlResult {
        try await Curl.run(
            ["-X", "POST", self.cplugin + "/connect/token", "-H", "Content-Type: \(contentType)"] + extra
                + ["--data-raw", form])
    }

    /// A fresh bearer token for the default client.
    func cpluginToken() async throws -> String {
        let result = try await self.tokenRequest(CPluginDefaults.form)
        try #require(result.status == 200, "POST /connect/token answered \(String(describing: result.status))")
        let object = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
        return try #require(object["access_token"] as? String)
    }

    /// A call of the v2 API (`path` after the platform) with a bearer token.
    func apiCall(
        _ token: String?, _ method: String, _ path: String, json: String? = nil, headers: [String] = [],
        base: String? = nil
    ) async throws -> CurlResult {
        var arguments = ["-X", method, (base ?? self.api) + path]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-raw", json] }
        return try await Curl.run(arguments)
    }

    /// A v2 call that must answer 200 with an envelope; returns the envelope, checked for its shape.
    func envelope(
        _ token: String, _ method: String, _ path: String, json: String? = nil, headers: [String] = [],
        base: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CPluginEnvelope {
        let result = try await self.apiCall(token, method, path, json: json, headers: headers, base: base)
        try #require(result.status == 200, "\(method) \(path) answered \(String(describing: result.status))")
        #expect(result.headers["content-type"] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
        let envelope = CPluginEnvelope(object: object, text: result.text)
        envelope.expectWellFormed(sourceLocation: sourceLocation)
        return envelope
    }

    /// Every order the CPlugin venue booked, as admin JSON objects.
    func cpluginOrders() async throws -> [[String: Any]] {
        try #require(try await self.adminGet("/cplugin/orders") as? [[String: Any]])
    }

    /// The CPlugin venue's live counters.
    func cpluginStatus() async throws -> [String: Int] {
        try #require(try await self.adminGet("/cplugin/status") as? [String: Int])
    }
}

/// An `OpenMarket` body for the default account.
func openMarket(
    _ command: String, _ symbol: String, volume: Int, orderBy: Int = 1_001, comment: String = "t"
) -> String {
    #"{"tradeTransactionType":"OpenMarket","tradeCommand":"\#(command)","symbol":"\#(symbol)","volume":\#(volume),"#
        + #""orderBy":\#(orderBy),"price":0,"sl":0,"tp":0,"comment":"\#(comment)"}"#
}

/// A `CloseMarket` body.
func closeMarket(_ command: String, order: Int, volume: Int) -> String {
    #"{"tradeTransactionType":"CloseMarket","tradeCommand":"\#(command)","order":\#(order),"volume":\#(volume)}"#
}

/// A JSON number as `Decimal`, read from its text so that no binary rounding sneaks in.
func decimal(_ value: Any?) -> Decimal? {
    guard let number = value as? NSNumber else { return nil }
    return Decimal(string: number.stringValue)
}
