import Foundation
import Messages
import SignalRProtocol
import Testing

@Suite
struct SignalRMessageTests {
    private let rs = "\u{1E}"

    @Test func everyMessageTypeRoundTripsThroughItsFramedText() throws {
        let messages: [SignalRMessage] = [
            .invocation(invocationId: "1", target: "SubscribeToTicks", arguments: [.string("EURUSD")]),
            .invocation(invocationId: nil, target: "onTick", arguments: [.object(["symbol": .string("EURUSD"), "bid": .number(Decimal(string: "1.08412")!)])]),
            .streamItem(invocationId: "2", item: .string("x")),
            .completion(invocationId: "1", result: nil, error: nil),
            .completion(invocationId: "3", result: .bool(true), error: nil),
            .completion(invocationId: "4", result: nil, error: "Unknown symbol"),
            .streamInvocation(invocationId: "5", target: "StreamTicks", arguments: []),
            .cancelInvocation(invocationId: "5"),
            .ping,
            .close(error: "server shutting down", allowReconnect: true),
            .close(error: nil, allowReconnect: nil),
        ]
        for message in messages {
            let framed = message.framed()
            #expect(framed.hasSuffix(self.rs) && framed.filter { $0 == "\u{1E}" }.count == 1)
            #expect(try SignalRMessage(record: String(framed.dropLast())) == message, "\(framed)")
        }
        #expect(SignalRMessage.ping.framed() == #"{"type":6}"# + self.rs)
        #expect(SignalRMessage.handshakeRequest == #"{"protocol":"json","version":1}"# + self.rs)
    }

    @Test func framesAreSplitOnTheRecordSeparatorAcrossAndWithinWebSocketFrames() throws {
        var splitter = SignalRRecordSplitter()
        let ping = SignalRMessage.ping.framed()
        let tick = SignalRMessage.invocation(invocationId: nil, target: "OnTick", arguments: [.string("BTCUSD")]).framed()
        // Two records in one frame, then one record cut in two.
        #expect(try splitter.append(ping + tick).map { try SignalRMessage(record: $0) }
            == [.ping, .invocation(invocationId: nil, target: "OnTick", arguments: [.string("BTCUSD")])])
        let cut = tick.index(tick.startIndex, offsetBy: 10)
        #expect(splitter.append(String(tick[..<cut])).isEmpty)
        #expect(splitter.hasPartialRecord)
        #expect(splitter.append(String(tick[cut...])).count == 1)
        #expect(!splitter.hasPartialRecord)
    }

    @Test func protocolViolationsAreRefusedAndUnknownTypesIgnored() throws {
        #expect(throws: SignalRProtocolError.self) { try SignalRMessage(record: "[1]") }
        #expect(throws: SignalRProtocolError.self) { try SignalRMessage(record: #"{"target":"x"}"#) }
        #expect(throws: SignalRProtocolError.self) { try SignalRMessage(record: #"{"type":3,"invocationId":"1","result":1,"error":"e"}"#) }
        #expect(throws: SignalRProtocolError.self) { try SignalRMessage(record: #"{"type":1,"arguments":[]}"#) }
        // Stateful-reconnect and later types are ignored by readers, not fatal; headers are tolerated.
        #expect(try SignalRMessage(record: #"{"type":8,"sequenceId":3}"#) == .other(type: 8))
        #expect(try SignalRMessage(record: #"{"type":6,"headers":{"a":"b"}}"#) == .ping)
    }

    @Test func handshakeResponsesAcceptOrRefuse() throws {
        #expect(try SignalRHandshakeResponse(record: "{}") == .accepted)
        #expect(try SignalRHandshakeResponse(record: #"{"error":"Requested protocol 'xml' is not available."}"#)
            == .refused("Requested protocol 'xml' is not available."))
        #expect(SignalRHandshakeResponse.accepted.framed == "{}" + self.rs)
        let refused = SignalRHandshakeResponse.refused("no")
        #expect(try SignalRHandshakeResponse(record: String(refused.framed.dropLast())) == refused)
    }
}
