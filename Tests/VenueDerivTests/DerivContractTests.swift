import Foundation
import Messages
import Synchronization
import TestSupport
import Testing
import VenueDeriv
import VenueKit
import VenueSimulator

/// Every request our client sends validates against the vendor's `send.json` (Python `jsonschema`, draft-04).
@Suite(.timeLimit(.minutes(2)))
struct DerivContractTests {
    static var vendorDirectory: URL? {
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["TRADEWIRE_VENDOR_DIR"] {
            candidates.append(URL(fileURLWithPath: explicit).appendingPathComponent("deriv"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.deletingLastPathComponent().appendingPathComponent("shared/vendor/deriv"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("buy/send.json").path) }
    }

    @Test func everyRequestOfTheClientValidatesAgainstTheVendorSchemas() async throws {
        guard let vendor = Self.vendorDirectory else {
            print("SKIP: Deriv vendor schemas not found (set TRADEWIRE_VENDOR_DIR or put ../shared/vendor beside the project)")
            return
        }
        let frames = try await withSimulator { sim in
            let client = try sim.client { $0.pingInterval = .milliseconds(200); $0.silenceTimeout = .seconds(10) }
            defer { client.shutdown() }
            let quotes = Mutex(0)
            let reader = Task {
                for try await event in client.marketEvents(for: ["R_50"]) {
                    if case .quote = event { quotes.withLock { $0 += 1 } }
                }
            }
            #expect(try await eventually { quotes.withLock { $0 } > 0 })
            let multiplier = await client.place(stake(
                "12.5", extensions: .object([
                    "multiplier": .number(100), "take_profit": .string("5"), "stop_loss": .string("2.5"),
                ]), id: "c-1"))
            let cancellable = await client.place(stake(
                "10", on: "R_50", side: .sell,
                extensions: .object(["cancellation": .string("10m"), "multiplier": .number(200)]), id: "c-2"))
            let rise = await client.place(stake(
                "3", on: "R_10", extensions: .object([
                    "contract_type": .string("CALL"), "duration": .number(15), "duration_unit": .string("s"),
                    "basis": .string("payout"),
                ]), id: "c-3"))
            for outcome in [multiplier, cancellable, rise] {
                guard case .accepted = outcome else { Issue.record("expected a contract, got \(outcome)"); continue }
            }
            _ = try await client.openOrders()
            _ = try await client.balance()
            if case .accepted(let ack) = multiplier { _ = await client.close(venueOrderID: ack.venueOrderID, quantity: nil) }
            if case .accepted(let ack) = cancellable { _ = await client.cancel(venueOrderID: ack.venueOrderID) }
            reader.cancel()
            #expect(try await eventually { try sim.frames("forget").count == 1 })
            #expect(try await eventually { try sim.frames("ping").count >= 1 })
            return try #require(sim.simulator.deriv).receivedFrames()
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deriv-frames-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(frames.joined(separator: "\n").utf8).write(to: file)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("contract/validate_deriv_requests.py")
        let (status, output) = try await ChildProcess.run(
            "python3",
            [script.path, "--frames", file.path, "--vendor", vendor.path,
             "--expect", "authorize,ticks,forget,buy,proposal_open_contract,sell,cancel,portfolio,balance,ping"],
            includeErrors: true)
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 0, "\(text)")
        #expect(text.contains("deriv-requests: \(frames.count) requests checked"), "\(text)")
    }
}
