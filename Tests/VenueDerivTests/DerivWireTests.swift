import Foundation
import Messages
import Testing
import VenueKit

@testable import VenueDeriv

@Suite("Deriv wire")
struct DerivWireTests {
    @Test("an answer's envelope: msg_type, req_id, subscription id and exact decimals")
    func envelope() throws {
        let frame = try DerivFrame(text: #"{"echo_req":{"ticks":"R_100","req_id":7},"msg_type":"tick","req_id":7,"subscription":{"id":"d1ee7d0d-3ca9-fbb4-720b-5312d487185b"},"tick":{"symbol":"R_100","quote":1300.27,"bid":1300.17,"ask":1300.37,"epoch":1700000000,"pip_size":2}}"#)
        #expect(frame.msgType == "tick")
        #expect(frame.reqID == 7)
        #expect(frame.subscriptionID == "d1ee7d0d-3ca9-fbb4-720b-5312d487185b")
        let payload = try #require(frame.payload)
        let quote = try #require(DerivSession.quote(payload, receivedAt: Date()))
        #expect(quote.bid == Decimal(string: "1300.17"))
        #expect(quote.ask == Decimal(string: "1300.37"))
        #expect(quote.last == Decimal(string: "1300.27"))
        #expect(quote.venueTime == Date(timeIntervalSince1970: 1_700_000_000))
    }
}
