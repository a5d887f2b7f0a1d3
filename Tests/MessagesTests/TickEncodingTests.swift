import Foundation
import Messages
import Testing

@Suite
struct TickEncodingTests {
    private func object(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func theFastEncodingIsTheSameJSONAsTheCodableOne() throws {
        var generator = SystemRandomNumberGenerator()
        let prices = ["0.00000001", "1.08412", "59895.19", "1", "100", "12345678901234567890.123456789012345678", "0.5"]
        for index in 0..<2_000 {
            let nanos = [0, 1, 10, 100_000, 120_000_000, 999_999_999, Int32.random(in: 0...999_999_999, using: &generator)]
            let venueTime = Timestamp(seconds: Int64.random(in: 0...253_402_300_799, using: &generator), nanoseconds: nanos[index % nanos.count])
            let receivedAt = Timestamp(seconds: 1_795_000_000 + Int64(index), nanoseconds: nanos[(index + 3) % nanos.count])
            let tick = Tick(
                venue: "mt4-demo", symbol: index % 2 == 0 ? "BTCUSD" : "XAU/USD.m", bid: Decimal(string: prices[index % prices.count])!,
                ask: Decimal(string: prices[(index + 1) % prices.count])!,
                last: index % 3 == 0 ? nil : Decimal(string: prices[(index + 2) % prices.count])!, venueTime: venueTime,
                receivedAt: receivedAt, seq: Int64(index + 1))
            let fast = Data(try tick.wireBytes())
            #expect(try self.object(fast) == (try self.object(try WireFormat.encode(tick))), "\(String(decoding: fast, as: UTF8.self))")
            #expect(try WireFormat.decode(Tick.self, from: fast) == tick)
        }
    }

    @Test func theFastEncodingRefusesWhatTheCodableOneRefuses() {
        let good = Tick(venue: "mt4-demo", symbol: "BTCUSD", bid: 1, ask: 2, venueTime: .now(), receivedAt: .now(), seq: 1)
        var badSeq = good
        badSeq.seq = 0
        var badVenue = good
        badVenue.venue = "MT4 Demo"
        var badPrice = good
        badPrice.bid = -1
        for tick in [badSeq, badVenue, badPrice] {
            #expect(throws: MessageError.self) { try tick.wireBytes() }
            #expect(throws: MessageError.self) { try WireFormat.encode(tick) }
        }
    }
}
