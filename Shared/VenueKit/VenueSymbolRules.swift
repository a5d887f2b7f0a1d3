public import Messages

/// Which symbols a venue trades and which it only quotes. Checked before any request is sent.
public struct VenueSymbolRules: Sendable, Hashable {
    /// Symbols that can be traded.
    public var tradable: Set<String>
    /// Symbols with quotes but trading disabled.
    public var quoteOnly: Set<String>

    /// Creates rules.
    public init(tradable: Set<String>, quoteOnly: Set<String>) {
        self.tradable = tradable
        self.quoteOnly = quoteOnly
    }

    /// Every symbol with quotes.
    public var quoted: Set<String> { self.tradable.union(self.quoteOnly) }

    /// Why an order on `symbol` must not be sent, or `nil` when it may.
    public func tradingRefusal(for symbol: String) -> Reason? {
        if self.tradable.contains(symbol) { return nil }
        if self.quoteOnly.contains(symbol) {
            return Reason(code: "symbol_quote_only", message: "trading is disabled for \(symbol) at this venue")
        }
        return Reason(code: "symbol_unknown", message: "\(symbol) is not offered by this venue")
    }
}
