import Foundation

extension Tick {
    /// The tick's wire JSON, the same object ``WireFormat/encode(_:)`` writes (validated the same way), built
    /// directly as bytes: the tick-publisher's hot path, without a JSONEncoder or intermediate strings per tick.
    ///
    /// Venue ids and symbols are restricted to characters that need no JSON escaping, so they are written as is.
    public func wireBytes() throws(MessageError) -> [UInt8] {
        let rules = FieldRules(path: [])
        try rules.venueID(self.venue)
        try rules.symbol(self.symbol)
        try rules.atLeast(self.seq, 1, "seq")
        guard self.venueTime.isEncodable else { throw rules.invalid("venueTime", "timestamp year must be 0000-9999 to be encoded") }
        guard self.receivedAt.isEncodable else { throw rules.invalid("receivedAt", "timestamp year must be 0000-9999 to be encoded") }
        let bid = try Self.decimalText(self.bid, "bid")
        let ask = try Self.decimalText(self.ask, "ask")
        let last = try self.last.map { value throws(MessageError) in try Self.decimalText(value, "last") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(240)
        func text(_ string: String) { bytes.append(contentsOf: string.utf8) }
        text(#"{"schema":"tick/v1","venue":""#)
        text(self.venue)
        text(#"","symbol":""#)
        text(self.symbol)
        text(#"","bid":""#)
        text(bid)
        text(#"","ask":""#)
        text(ask)
        if let last {
            text(#"","last":""#)
            text(last)
        }
        text(#"","venueTime":""#)
        self.venueTime.appendRFC3339(to: &bytes)
        text(#"","receivedAt":""#)
        self.receivedAt.appendRFC3339(to: &bytes)
        text(#"","seq":"#)
        text(String(self.seq))
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private static func decimalText(_ value: Decimal, _ key: String) throws(MessageError) -> String {
        do {
            return try WireDecimal.format(value, kind: .positive)
        } catch {
            throw MessageError(.invalidValue, pointer: "/" + key, rule: error.rule)
        }
    }
}
