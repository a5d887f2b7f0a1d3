import Foundation

extension Tick {
    /// The tick's wire JSON, the same object ``WireFormat/encode(_:)`` writes (validated the same way), built
    /// directly as bytes: the tick-publisher's hot path, without a JSONEncoder per tick.
    ///
    /// Venue ids and symbols are restricted to characters that need no JSON escaping, so the text is written as is.
    public func wireBytes() throws(MessageError) -> [UInt8] {
        try self.validate(FieldRules(path: []))
        let bid: String
        let ask: String
        let last: String?
        do {
            bid = try WireDecimal.format(self.bid, kind: .positive)
            ask = try WireDecimal.format(self.ask, kind: .positive)
            last = try self.last.map { value throws(RuleViolation) in try WireDecimal.format(value, kind: .positive) }
        } catch {
            throw MessageError(.invalidValue, pointer: "/bid", rule: error.rule)
        }
        var text = #"{"schema":"tick/v1","venue":""#
        text.reserveCapacity(220)
        text += self.venue
        text += #"","symbol":""#
        text += self.symbol
        text += #"","bid":""#
        text += bid
        text += #"","ask":""#
        text += ask
        if let last {
            text += #"","last":""#
            text += last
        }
        text += #"","venueTime":""#
        text += self.venueTime.rfc3339String
        text += #"","receivedAt":""#
        text += self.receivedAt.rfc3339String
        text += #"","seq":"#
        text += String(self.seq)
        text += "}"
        return Array(text.utf8)
    }
}
