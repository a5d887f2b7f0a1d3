import Foundation
import Testing
import VenueSimulator

/// Every frame the cTrader face sent and received during full sessions, checked against the vendor's message table
/// (`openapi-messages.json`, derived from spotware/openapi-proto-messages): the payload type is known, every
/// top-level payload field is a field of that message, every required field is present in what the simulator sent,
/// scalar fields the simulator sent have their proto type, and enum-typed fields hold values of their enum.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CTraderVendorConformanceTests {
    /// The vendor's message table: `messages` name → {payloadType, fields[{name,type,label,number}]},
    /// `enums` name → {VALUE: number}.
    struct VendorTable {
        struct Field {
            var name: String
            var type: String
            var label: String
        }

        var messages: [Int: (name: String, fields: [Field])] = [:]
        var enums: [String: [String: Int]] = [:]

        init?(_ url: URL) {
            guard let data = try? Data(contentsOf: url),
                let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                let messages = root["messages"] as? [String: Any], let enums = root["enums"] as? [String: Any]
            else { return nil }
            for (name, value) in messages {
                guard let message = value as? [String: Any], let type = message["payloadType"] as? Int else { continue }
                let fields = (message["fields"] as? [[String: Any]] ?? []).map {
                    Field(
                        name: $0["name"] as? String ?? "", type: $0["type"] as? String ?? "",
                        label: $0["label"] as? String ?? "")
                }
                self.messages[type] = (name, fields)
            }
            for (name, value) in enums {
                self.enums[name] = value as? [String: Int] ?? [:]
            }
        }
    }

    static var vendorFile: URL? {
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["TRADEWIRE_VENDOR_DIR"] {
            candidates.append(URL(fileURLWithPath: explicit).appendingPathComponent("ctrader/openapi-messages.json"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(
            root.deletingLastPathComponent().appendingPathComponent("shared/vendor/ctrader/openapi-messages.json"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    @Test func everyFrameOfFullSessionsMatchesTheVendorMessageTable() async throws {
        guard let file = Self.vendorFile else {
            print(
                "SKIP: cTrader vendor message table not found (set TRADEWIRE_VENDOR_DIR or put ../shared/vendor beside "
                    + "the project)")
            return
        }
        let table = try #require(VendorTable(file), "\(file.path) is not the expected message table")
        var sent: [String] = []
        var received: [String] = []
        try await withSimulator(configure: { $0.ctrader.serverHeartbeatInterval = .milliseconds(100) }) { sim in
            try await Self.fullSession(sim)
            sent += try sim.ctraderVenue.sentFrames()
            received += try sim.ctraderVenue.receivedFrames()
        }
        try await withSimulator(configure: { $0.ctrader.requestsPerSecond = 2 }) { sim in
            try await Self.faultSession(sim)
            sent += try sim.ctraderVenue.sentFrames()
            received += try sim.ctraderVenue.receivedFrames()
        }
        let sentTypes = Set(sent.compactMap { Self.object($0)?["payloadType"] as? Int })
        let expected: Set<Int> = [
            50, 51, 2101, 2103, 2105, 2113, 2115, 2117, 2122, 2125, 2126, 2128, 2130, 2131, 2132, 2142, 2147, 2150,
            2174,
        ]
        #expect(sentTypes.isSuperset(of: expected), "missing: \(expected.subtracting(sentTypes).sorted())")
        var problems: [String] = []
        for frame in sent { problems += Self.check(frame, table: table, sentBySimulator: true) }
        for frame in received { problems += Self.check(frame, table: table, sentBySimulator: false) }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(10))")
        #expect(sent.count > 50 && received.count > 30)
    }

    /// A JSON value that keeps booleans, integers and other numbers apart (JSONSerialization does not on Linux).
    enum Probe: Decodable {
        case null
        case bool(Bool)
        case integer(Int64)
        case number(Double)
        case string(String)
        case array([Probe])
        case object([String: Probe])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(UInt64.self) {
                self = .integer(Int64(truncatingIfNeeded: value))
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([Probe].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: Probe].self))
            }
        }

        static func parse(_ text: String) -> [String: Probe]? {
            guard case .object(let members)? = try? JSONDecoder().decode(Probe.self, from: Data(text.utf8)) else {
                return nil
            }
            return members
        }
    }

    private static func object(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// The problems of one frame.
    static func check(_ text: String, table: VendorTable, sentBySimulator: Bool) -> [String] {
        let side = sentBySimulator ? "sent" : "received"
        guard let frame = Probe.parse(text) else { return ["\(side) frame is not a JSON object: \(text.prefix(200))"] }
        var problems: [String] = []
        let extra = Set(frame.keys).subtracting(["clientMsgId", "payloadType", "payload"])
        if !extra.isEmpty { problems.append("\(side) frame has envelope members \(extra.sorted())") }
        if let id = frame["clientMsgId"], case .string = id {
        } else if frame["clientMsgId"] != nil {
            problems.append("\(side) clientMsgId is not a string")
        }
        guard case .integer(let type)? = frame["payloadType"], let message = table.messages[Int(type)] else {
            return problems + ["\(side) frame has an unknown payloadType: \(text.prefix(200))"]
        }
        var payload: [String: Probe] = [:]
        switch frame["payload"] {
        case nil, .null?: break
        case .object(let members)?: payload = members
        default: return problems + ["\(side) \(message.name) payload is not an object"]
        }
        for (name, value) in payload {
            guard let field = message.fields.first(where: { $0.name == name }) else {
                problems.append("\(side) \(message.name) has no field \(name)")
                continue
            }
            var values = [value]
            if field.label == "repeated" {
                guard case .array(let items) = value else {
                    problems.append("\(side) \(message.name).\(name) is repeated but not an array")
                    continue
                }
                values = items
            }
            for item in values {
                if let problem = Self.typeProblem(item, field: field, table: table, strict: sentBySimulator) {
                    problems.append("\(side) \(message.name).\(name) \(problem)")
                }
            }
        }
        if sentBySimulator {
            for field in message.fields where field.label == "required" && payload[field.name] == nil {
                problems.append("sent \(message.name) lacks required \(field.name): \(text.prefix(300))")
            }
        }
        return problems
    }

    /// Enum fields must hold a value of their enum (a number, or a value name in received frames); in frames the
    /// simulator sent, scalars must also have their proto type.
    private static func typeProblem(_ value: Probe, field: VendorTable.Field, table: VendorTable, strict: Bool)
        -> String?
    {
        if let values = table.enums[field.type] {
            if case .integer(let number) = value, values.values.contains(Int(number)) { return nil }
            if !strict, case .string(let name) = value, values[name] != nil { return nil }
            return "holds \(value), not a value of \(field.type)"
        }
        guard strict else { return nil }
        switch (field.type, value) {
        case ("int32", .integer), ("int64", .integer): return nil
        case ("uint32", .integer(let number)), ("uint64", .integer(let number)):
            return number < 0 ? "is negative" : nil
        case ("double", .integer), ("double", .number), ("float", .integer), ("float", .number): return nil
        case ("bool", .bool), ("string", .string): return nil
        case (let type, .object)
        where !["int32", "int64", "uint32", "uint64", "double", "float", "bool", "string", "bytes"].contains(type):
            return nil
        default:
            return "is not a \(field.type): \(value)"
        }
    }

    // MARK: - Sessions

    /// Every call of the face, successful and refused, on three connections.
    static func fullSession(_ sim: SimulatorHarness) async throws {
        let client = try await CTraderTestClient.connect(sim)
        try await client.heartbeat()
        _ = try await client.call(2104)
        _ = try await client.accountCall(2121)
        _ = try await client.call(2100, ["clientId": CTraderDefaults.clientID, "clientSecret": "wrong"])
        try await client.authenticateApplication()
        _ = try await client.call(
            2100, ["clientId": CTraderDefaults.clientID, "clientSecret": CTraderDefaults.clientSecret])
        _ = try await client.call(2102, ["ctidTraderAccountId": CTraderDefaults.account, "accessToken": "nope"])
        _ = try await client.call(2102, ["ctidTraderAccountId": 7, "accessToken": CTraderDefaults.accessToken])
        _ = try await client.accountCall(2121)
        try await client.authorizeAccount()
        _ = try await client.call(2149, ["accessToken": CTraderDefaults.accessToken])
        _ = try await client.accountCall(2112)
        _ = try await client.accountCall(2114, ["includeArchivedSymbols": false])
        _ = try await client.accountCall(2116, ["symbolId": [1, 2, 3, 4, 5, 6]])
        _ = try await client.accountCall(2121)
        _ = try await client.accountCall(2121, account: 42)
        _ = try await client.accountCall(2106, ["symbolId": 1, "orderType": 1, "tradeSide": 1])
        _ = try await client.accountCall(2127, ["symbolId": [1, 2], "subscribeToSpotTimestamp": true])
        _ = try await client.accountCall(2127, ["symbolId": [1]])
        _ = try await client.accountCall(2127, ["symbolId": [66]])
        _ = try await client.collect(6) { ctraderType($0) == 2131 }
        _ = try await client.accountCall(2129, ["symbolId": [2]])
        _ = try await client.accountCall(2129, ["symbolId": [2]])

        let market = try await client.marketOrder(
            side: 1, volume: 3 * CTraderDefaults.microLot,
            extra: [
                "clientOrderId": "c1", "label": "l1", "comment": "m1", "relativeTakeProfit": 90_000,
                "timeInForce": "IMMEDIATE_OR_CANCEL",
            ])
        let positionID = try #require(ctraderPositionID(market.frames.last))
        _ = try await client.accountCall(2124, ["returnProtectionOrders": false])
        for volume in [1, CTraderDefaults.microLot, 2 * CTraderDefaults.microLot] {
            let id = try await client.send(
                2111, ["ctidTraderAccountId": CTraderDefaults.account, "positionId": positionID, "volume": volume])
            _ = try await client.first { $0["clientMsgId"] as? String == id && ctraderIsFinal($0) }
        }
        _ = try await client.accountCall(2111, ["positionId": positionID, "volume": 100_000])
        let limit = try await client.accountCall(
            2106,
            [
                "symbolId": 2, "orderType": 2, "tradeSide": 2, "volume": CTraderDefaults.microLot, "limitPrice": 9.5,
                "stopLoss": 10.5, "takeProfit": 1.0, "timeInForce": 2, "expirationTimestamp": 4_102_444_800_000,
                "stopTriggerMethod": 1, "clientOrderId": "c2",
            ])
        let orderID = try #require((ctraderPayload(limit)["order"] as? [String: Any])?["orderId"] as? Int)
        _ = try await client.accountCall(2124)
        _ = try await client.accountCall(2108, ["orderId": orderID])
        _ = try await client.accountCall(2108, ["orderId": orderID])
        _ = try await client.marketOrder(volume: 7)
        _ = try await client.marketOrder(symbol: 42)
        _ = try await client.marketOrder(symbol: CTraderDefaults.btcusd, volume: 1_000_000)
        _ = try await client.marketOrder(extra: ["takeProfit": 2.0])
        _ = try await client.accountCall(2106, ["symbolId": 1, "orderType": 5, "tradeSide": 1, "volume": 100_000])
        let ask = try #require(try sim.ctraderVenue.currentQuote(symbol: "EURUSD")?.ask)
        let crossing = try await client.accountCall(
            2106,
            [
                "symbolId": 1, "orderType": 3, "tradeSide": 2, "volume": CTraderDefaults.microLot,
                "stopPrice": NSDecimalNumber(decimal: ask * 2).doubleValue, "label": "fills",
            ])
        let crossingID = (ctraderPayload(crossing)["order"] as? [String: Any])?["orderId"] as? Int
        _ = try await client.first {
            $0["clientMsgId"] == nil && ctraderExecution($0) == 3
                && (ctraderPayload($0)["order"] as? [String: Any])?["orderId"] as? Int == crossingID
        }
        let stopped = try await client.marketOrder(side: 2, extra: ["relativeStopLoss": 1])
        let stoppedID = ctraderPositionID(stopped.frames.last)
        _ = try await client.first {
            $0["clientMsgId"] == nil
                && (ctraderPayload($0)["position"] as? [String: Any])?["positionId"] as? Int == stoppedID
        }

        let refresher = try await CTraderTestClient.connect(sim)
        try await refresher.authenticateApplication()
        let grant = try await refresher.payload(2173, ["refreshToken": CTraderDefaults.refreshToken], expecting: 2174)
        _ = try await refresher.call(2173, ["refreshToken": CTraderDefaults.refreshToken])
        _ = try await client.first { ctraderType($0) == 2147 }
        _ = try await client.accountCall(2124)
        try await client.authorizeAccount(accessToken: try #require(grant["accessToken"] as? String))
        _ = try await client.accountCall(2124)
        _ = try await client.collect(3) { ctraderType($0) == 51 }
    }

    /// The answers of faults and the rate limit.
    static func faultSession(_ sim: SimulatorHarness) async throws {
        let client = try await CTraderTestClient.authenticated(sim)
        try await sim.adminPost("/ctrader/faults", json: #"{"errorRate":1}"#)
        // The rate limit comes first: retry until a request gets past it to the injected error.
        #expect(try await ctraderEventually { ctraderError(try await client.call(2104)) == "UNKNOWN_ERROR" })
        try await sim.adminPost("/ctrader/faults", json: #"{"errorRate":0}"#)
        var ids: [String] = []
        for _ in 0..<10 { ids.append(try await client.send(2121, ["ctidTraderAccountId": CTraderDefaults.account])) }
        _ = try await client.collect(10) { ids.contains($0["clientMsgId"] as? String ?? "") }
        #expect(client.messages.contains { ctraderError($0) == "REQUEST_FREQUENCY_EXCEEDED" })
    }
}
