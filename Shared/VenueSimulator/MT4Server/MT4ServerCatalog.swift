import Foundation

/// A broker reachable through MT4Server (protocols.md §1.2).
public struct MT4ServerBroker: Sendable, Hashable {
    /// Id used in URLs (`ava`, `icmarkets`, `fxopen`, `fxclub`, `demo`).
    public var id: String
    /// Display name.
    public var displayName: String
    /// Every symbol the broker quotes, in the documented order.
    public var symbols: [String]
    /// Symbols that are quoted but not tradable (`*` in the documentation).
    public var quoteOnlySymbols: Set<String>

    /// Whether orders on `symbol` are accepted.
    public func isTradable(_ symbol: String) -> Bool {
        self.symbols.contains(symbol) && !self.quoteOnlySymbols.contains(symbol)
    }
}

/// Static market data of one simulated instrument.
struct MT4ServerInstrument: Sendable {
    /// Mid price the walk starts from and reverts to.
    var base: Decimal
    /// Fixed spread (ask − bid).
    var spread: Decimal
    /// Decimal places of quotes.
    var digits: Int
    /// Relative size of one random-walk step.
    var volatility: Double
    /// Units per lot (100 000 for FX, 1 for crypto).
    var contractSize: Decimal
    /// Currency the price is quoted in (the last three letters of the symbol).
    var quoteCurrency: String
}

/// The brokers and instruments of the MT4Server simulator.
public enum MT4ServerCatalog {
    /// The five brokers, exactly as in protocols.md §1.2.
    public static let brokers: [MT4ServerBroker] = [
        MT4ServerBroker(
            id: "ava", displayName: "AVA Trade",
            symbols: ["EURUSD", "USDJPY", "BCHUSD", "BTCEUR", "BTCJPY", "BTCUSD", "BTGUSD"], quoteOnlySymbols: []),
        MT4ServerBroker(
            id: "fxclub", displayName: "ForexClub",
            symbols: [
                "BTCEUR", "EURUSD", "USDJPY", "BTCUSD", "ETCUSD", "LTCBTC", "LTCUSD", "NEOUSD", "ETHUSD", "DSHUSD",
                "XRPUSD", "BCHUSD", "BTGUSD", "XMRUSD", "ZECUSD",
            ],
            quoteOnlySymbols: ["BTCEUR"]),
        MT4ServerBroker(
            id: "fxopen", displayName: "FXOpen",
            symbols: [
                "EURUSD", "USDJPY", "DSHBTC", "DSHUSD", "BCHUSD", "BTCEUR", "BTCUSD", "BTCJPY", "LTCBTC", "LTCEUR",
                "LTCJPY", "LTCUSD", "ETHEUR", "ETHJPY", "ETHUSD", "XRPEUR", "XRPUSD",
            ],
            quoteOnlySymbols: ["EURUSD", "USDJPY"]),
        MT4ServerBroker(
            id: "icmarkets", displayName: "ICMarkets",
            symbols: ["EURUSD", "USDJPY", "BCHUSD", "BTCUSD", "DSHUSD", "ETHUSD", "LTCUSD", "XRPUSD"],
            quoteOnlySymbols: []),
        MT4ServerBroker(
            id: "demo", displayName: "Just2Trade (demo account)",
            symbols: ["XRPUSD", "BTCUSD", "ETHUSD"], quoteOnlySymbols: ["XRPUSD"]),
    ]

    /// The broker with URL id `id`.
    public static func broker(_ id: String) -> MT4ServerBroker? {
        self.brokers.first { $0.id == id }
    }

    private static func fx(_ base: String, _ spread: String, digits: Int) -> MT4ServerInstrument {
        MT4ServerInstrument(
            base: Decimal(string: base)!, spread: Decimal(string: spread)!, digits: digits, volatility: 0.00003,
            contractSize: 100_000, quoteCurrency: "")
    }

    private static func crypto(_ base: String, _ spread: String, digits: Int = 2) -> MT4ServerInstrument {
        MT4ServerInstrument(
            base: Decimal(string: base)!, spread: Decimal(string: spread)!, digits: digits, volatility: 0.0002,
            contractSize: 1, quoteCurrency: "")
    }

    /// Every instrument any broker quotes. FX has 5 decimals (3 for JPY), crypto 2, except the
    /// sub-dollar XRP pairs (5) and the BTC crosses (6), where 2 decimals could not express a price.
    static let instruments: [String: MT4ServerInstrument] = {
        let table: [String: MT4ServerInstrument] = [
            "EURUSD": fx("1.08000", "0.00012", digits: 5),
            "USDJPY": fx("150.000", "0.012", digits: 3),
            "BTCUSD": crypto("60000.00", "25.00"),
            "BTCEUR": crypto("55500.00", "25.00"),
            "BTCJPY": crypto("9000000.00", "4000.00"),
            "ETHUSD": crypto("3000.00", "1.50"),
            "ETHEUR": crypto("2775.00", "1.40"),
            "ETHJPY": crypto("450000.00", "250.00"),
            "LTCUSD": crypto("72.00", "0.15"),
            "LTCEUR": crypto("66.50", "0.14"),
            "LTCJPY": crypto("10800.00", "25.00"),
            "LTCBTC": crypto("0.001200", "0.000004", digits: 6),
            "BCHUSD": crypto("350.00", "0.60"),
            "BTGUSD": crypto("30.00", "0.10"),
            "ETCUSD": crypto("25.00", "0.05"),
            "NEOUSD": crypto("12.00", "0.04"),
            "DSHUSD": crypto("28.00", "0.10"),
            "DSHBTC": crypto("0.000470", "0.000003", digits: 6),
            "XRPUSD": crypto("0.52000", "0.00050", digits: 5),
            "XRPEUR": crypto("0.48000", "0.00050", digits: 5),
            "XMRUSD": crypto("160.00", "0.40"),
            "ZECUSD": crypto("25.00", "0.10"),
        ]
        return table.reduce(into: [:]) { result, entry in
            var instrument = entry.value
            instrument.quoteCurrency = String(entry.key.suffix(3))
            result[entry.key] = instrument
        }
    }()
}
