import Foundation
import Messages
import OrderExecutorCore
import ServiceSupport
import Testing
import VenueKit

/// Bad input at scale: malformed or hostile `orders.commands` records, seeded so a failure can be replayed. Every one
/// must end in the dead-letter queue (with a reason) or be refused by the pre-trade checks (with a reason) — none may
/// pass as an executable command, none may crash the intake, and memory must stay flat.
///
/// `make test` runs 1,000 among the other tests (the loop yields often, so the venue sessions of tests running beside
/// it are not starved of the two cores); the full run, alone so that resident memory means something, is
/// `TRADEWIRE_FUZZ_COUNT=10000 swift test --filter HostileCommandFuzzTests` (about a minute). Memory is asserted only
/// in that run: beside other tests the process's RSS measures them too.
@Suite(.timeLimit(.minutes(10)))
struct HostileCommandFuzzTests {
    static let requested = ProcessInfo.processInfo.environment["TRADEWIRE_FUZZ_COUNT"].flatMap(Int.init).map { max(100, $0) }
    static let count = Self.requested ?? 1_000

    /// A valid command for `mt4-demo`, the starting point of every mutation.
    static var base: [String: Any] {
        [
            "schema": "order-command/v1", "commandId": "23a6a4ec-3fb4-4ed4-9e8a-00312d4353ab", "action": "place",
            "venue": "mt4-demo", "clientOrderId": "fuzz-000001", "symbol": "BTCUSD", "side": "buy", "quantity": "0.10",
            "orderType": "market", "createdAt": "2026-11-21T09:30:00.125Z", "source": "fuzz",
        ]
    }

    static let context: PreTradeContext = {
        let file = try! VenueConfigurationFile.parse(Data("""
            {"venues": [{"id": "mt4-demo", "protocol": "mt4server", "endpoint": "http://127.0.0.1:8801", "broker": "demo",
              "symbols": ["BTCUSD"], "limits": {"maxQuantity": "10"}, "secrets": {"apiKey": {"env": "K"}}}]}
            """.utf8))
        let capabilities = VenueCapabilities(orderTypes: [.market], canCancel: false, hasBalance: true, hasTicks: true)
        return PreTradeContext(
            venues: Dictionary(uniqueKeysWithValues: file.venues.map { ($0.id, $0) }),
            capabilities: ["mt4-demo": (capabilities, VenueSymbolRules(tradable: ["BTCUSD"], quoteOnly: []))], halted: [])
    }()

    /// One hostile record: its key and its bytes, and the kind of mutation (for the failure message).
    struct Case {
        var kind: String
        var key: String?
        var value: Data
    }

    @Test func hostileCommandsAreAllRefusedWithAReasonAndMemoryStaysFlat() async throws {
        var random = SeededRandom(seed: 0x7ADE_F022)
        let intake = CommandIntake()
        var dead = 0
        var refused = 0
        var residentAtStart = 0
        var kinds: [String: Int] = [:]
        for index in 0..<Self.count {
            await Task.yield()
            if index == Self.count / 10 { residentAtStart = Self.residentBytes() }
            let hostile = Self.mutation(index, &random)
            kinds[hostile.kind, default: 0] += 1
            let record = CommandRecord(
                topic: "orders.commands", partition: 0, offset: Int64(index), key: hostile.key.map { Data($0.utf8) },
                value: hostile.value)
            switch intake.accept(record) {
            case .refused(let letter, let report):
                #expect(!letter.error.code.isEmpty && !letter.error.message.isEmpty, "\(hostile.kind): a reason")
                #expect(letter.payload == hostile.value, "\(hostile.kind): the DLQ keeps the payload as received")
                if let report { #expect(report.status == .rejected && report.reason != nil) }
                dead += 1
            case .command(let command):
                guard case .refuse(let status, let reason) = PreTradeChecks.evaluate(command, context: Self.context) else {
                    Issue.record("\(hostile.kind) #\(index) passed as an executable command: \(String(decoding: hostile.value.prefix(300), as: UTF8.self))")
                    continue
                }
                #expect(status == .rejected || status == .expired)
                #expect(!reason.code.isEmpty && !reason.message.isEmpty)
                refused += 1
            }
        }
        #expect(dead + refused == Self.count)
        #expect(kinds.count >= 15, "every kind of mutation ran: \(kinds.keys.sorted())")
        let growth = Self.residentBytes() - residentAtStart
        if Self.requested != nil {
            // Flat: the records after the first tenth (some of 256 KiB) may not leave more than a few megabytes behind.
            #expect(growth < 48 << 20, "resident memory grew by \(growth >> 20) MiB over \(Self.count * 9 / 10) records")
        }
        print("fuzz: \(Self.count) hostile commands, \(dead) dead-lettered, \(refused) refused by pre-trade checks, RSS growth \(growth >> 10) KiB")
    }

    // MARK: - Mutations

    static func mutation(_ index: Int, _ random: inout SeededRandom) -> Case {
        var command = Self.base
        command["commandId"] = UUID().uuidString.lowercased()
        command["clientOrderId"] = "fuzz-\(index)"
        func json(_ object: Any) -> Data { (try? JSONSerialization.data(withJSONObject: object)) ?? Data() }
        let kinds = 18
        switch index % kinds {
        case 0:  // truncated JSON
            let full = json(command)
            return Case(kind: "truncated", key: "mt4-demo", value: full.prefix(random.next(below: max(1, full.count - 1))))
        case 1:  // a huge string
            command["clientOrderId"] = String(repeating: "x", count: 256 << 10)
            return Case(kind: "huge-string", key: "mt4-demo", value: json(command))
        case 2:  // deep nesting
            let depth = 600 + random.next(below: 2_400)
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let text = String(decoding: json(command), as: UTF8.self).dropLast() + #","extensions":{"mt4server":"# + nested + "}}"
            return Case(kind: "deep-nesting", key: "mt4-demo", value: Data(text.utf8))
        case 3:  // a wrong type
            let field = ["quantity", "side", "venue", "commandId", "createdAt", "action"][random.next(below: 6)]
            command[field] = [42, true, ["a"], ["k": 1], NSNull()][random.next(below: 5)]
            return Case(kind: "wrong-type", key: "mt4-demo", value: json(command))
        case 4:  // an unknown field
            command["stopLos\(random.next(below: 100))"] = "1.0"
            return Case(kind: "unknown-field", key: "mt4-demo", value: json(command))
        case 5:  // a negative or zero quantity
            command["quantity"] = ["-0.1", "0", "0.00", "-1000000", "-0"][random.next(below: 5)]
            return Case(kind: "non-positive-quantity", key: "mt4-demo", value: json(command))
        case 6:  // a far-future expiry
            command["expiresAt"] = ["2099-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2031-06-01T00:00:00Z"][random.next(below: 3)]
            return Case(kind: "far-future-expiry", key: "mt4-demo", value: json(command))
        case 7:  // a past expiry
            command["expiresAt"] = ["1970-01-01T00:00:00Z", "2020-02-29T12:00:00Z", "2026-11-21T00:00:00Z"][random.next(below: 3)]
            return Case(kind: "past-expiry", key: "mt4-demo", value: json(command))
        case 8:  // the key names another venue
            return Case(kind: "key-mismatch", key: ["cplugin-sim", "", "MT4-DEMO"][random.next(below: 3)], value: json(command))
        case 9:  // an unconfigured venue
            command["venue"] = "ghost-\(random.next(below: 1000))"
            return Case(kind: "unknown-venue", key: command["venue"] as? String, value: json(command))
        case 10:  // random bytes
            return Case(kind: "random-bytes", key: "mt4-demo", value: Data((0..<random.next(below: 512)).map { _ in UInt8(random.next(below: 256)) }))
        case 11:  // hostile numbers
            command["quantity"] = ["1e999999", "NaN", "Infinity", "0x10", "1,5", "99999999999999999999999999999999999999999"][random.next(below: 6)]
            return Case(kind: "hostile-number", key: "mt4-demo", value: json(command))
        case 12:  // a missing required field
            command.removeValue(forKey: ["commandId", "venue", "action", "clientOrderId", "createdAt", "schema"][random.next(below: 6)])
            return Case(kind: "missing-field", key: "mt4-demo", value: json(command))
        case 13:  // control characters and invalid Unicode in identifiers
            command["clientOrderId"] = "fuzz\u{0}\u{1B}[31m\u{202E}"
            var bytes = json(command)
            if random.next(below: 2) == 0 { bytes.append(contentsOf: [0xFF, 0xFE, 0xC0]) }
            return Case(kind: "control-characters", key: "mt4-demo", value: bytes)
        case 14:  // a quantity beyond the venue's limit
            command["quantity"] = "\(11 + random.next(below: 100_000))"
            return Case(kind: "over-limit", key: "mt4-demo", value: json(command))
        case 15:  // a symbol the venue does not trade, or an injection-looking one
            command["symbol"] = ["DOGEUSD", "BTCUSD'; DROP TABLE orders;--", "../../etc/passwd", ""][random.next(below: 4)]
            return Case(kind: "bad-symbol", key: "mt4-demo", value: json(command))
        case 16:  // mixed-up actions: a close or cancel without what it needs, a place with a close's fields
            command["action"] = ["close", "cancel", "modify"][random.next(below: 3)]
            return Case(kind: "mixed-action", key: "mt4-demo", value: json(command))
        default:  // not an object at all
            return Case(kind: "not-an-object", key: "mt4-demo", value: Data(["[]", "null", "\"place\"", "42", "", " "][random.next(below: 6)].utf8))
        }
    }

    /// Resident set size from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be replayed.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { self.state = seed }

    mutating func next(below bound: Int) -> Int {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(max(1, bound)))
    }
}
