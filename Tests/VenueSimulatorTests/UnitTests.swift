import Foundation
import Logging
import Testing
import VenueSimulator

@Suite(.timeLimit(.minutes(3)))
struct JavaDoubleTests {
    @Test(arguments: [
        (10_000.0, "10000.0"), (10_012.5, "10012.5"), (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"),
        (0.001, "0.001"), (0.0001, "1.0E-4"), (1.2345e-5, "1.2345E-5"), (9_999_999.0, "9999999.0"),
        (1.0e7, "1.0E7"), (12_345_678.9, "1.23456789E7"), (-3.65, "-3.65"), (0.1 + 0.2, "0.30000000000000004"),
        (Double.infinity, "Infinity"), (-Double.infinity, "-Infinity"), (1.0e21, "1.0E21"), (123.0, "123.0"),
    ])
    func formatsLikeJava(value: Double, expected: String) {
        #expect(JavaDouble.format(value) == expected)
    }

    @Test func formatsNaN() {
        #expect(JavaDouble.format(.nan) == "NaN")
    }
}

@Suite(.timeLimit(.minutes(3)))
struct ConfigurationAndFaultSettingsTests {
    @Test func defaultsMatchTheDocumentedPorts() throws {
        let configuration = VenueSimulatorConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.adminPort == 8800)
        #expect(configuration.mt4Server.port == 8801)
        #expect(configuration.mt4Server.apiKey == "sim-mt4-api-key")
        #expect(configuration.tickInterval == .milliseconds(50))
        try configuration.validate()
        #expect(!configuration.mt4Server.description.contains("sim-mt4-api-key"))
    }

    @Test func invalidConfigurationsAreRejected() {
        var samePorts = VenueSimulatorConfiguration()
        samePorts.mt4Server.port = 8800
        var badKey = VenueSimulatorConfiguration()
        badKey.mt4Server.apiKey = " spaced "
        var badTick = VenueSimulatorConfiguration()
        badTick.tickInterval = .zero
        var badTTL = VenueSimulatorConfiguration()
        badTTL.mt4Server.tokenTTL = 0
        for configuration in [samePorts, badKey, badTick, badTTL] {
            #expect(throws: VenueSimulatorError.self) { try configuration.validate() }
            #expect(throws: VenueSimulatorError.self) {
                try VenueSimulator(configuration: configuration, logger: quietLogger)
            }
        }
    }

    @Test func patchesMergeAndNullClearsTheTTL() throws {
        let injector = VenueFaultInjector()
        var patch = try JSONDecoder().decode(VenueFaultPatch.self, from: Data(#"{"latencyMs":10,"tokenTTL":30}"#.utf8))
        var settings = try injector.apply(patch)
        #expect(settings.latencyMs == 10 && settings.tokenTTL == 30 && settings.errorRate == 0)
        patch = try JSONDecoder().decode(
            VenueFaultPatch.self, from: Data(#"{"tokenTTL":null,"expireTokens":true}"#.utf8))
        settings = try injector.apply(patch)
        #expect(settings.latencyMs == 10 && settings.tokenTTL == nil)
        #expect(patch.actions == [.expireTokens])
        let encoded = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        #expect(encoded.contains("\"tokenTTL\":null"))
        injector.reset()
        #expect(injector.settings == VenueFaultSettings())
    }

    @Test func decisionsFollowTheRates() throws {
        let injector = VenueFaultInjector(seed: 7)
        #expect((0..<100).allSatisfy { _ in injector.decide().outcome == .proceed })
        var patch = VenueFaultPatch()
        patch.dropRate = 1
        try injector.apply(patch)
        #expect(injector.decide().outcome == .drop)
        patch = VenueFaultPatch()
        patch.dropRate = 0
        patch.errorRate = 0.5
        try injector.apply(patch)
        let errors = (0..<1_000).filter { _ in injector.decide().outcome == .error(status: 500) }.count
        #expect((350...650).contains(errors))
    }

    @Test func requestLogKeepsTheNewestEntries() {
        let log = VenueRequestLog(capacity: 10)
        var tickets: [VenueRequestLog.Ticket] = []
        for index in 0..<25 {
            tickets.append(log.begin(method: "GET", path: "/\(index)", query: nil))
        }
        log.complete(tickets[24], status: 200)
        log.complete(tickets[0], status: 200)
        let entries = log.entries
        #expect(entries.count == 10)
        #expect(entries.last?.path == "/24" && entries.last?.status == 200)
        log.clear()
        log.complete(tickets[24], status: 500)
        #expect(log.entries.isEmpty)
    }
}

@Suite(.timeLimit(.minutes(3)))
struct MT4ServerMarketTests {
    @Test func everyBrokerQuotesEverySymbolWithBidBelowAsk() {
        let venue = MT4ServerSimulator(
            configuration: .init(), host: "127.0.0.1", seed: 42, tickInterval: .milliseconds(50), logger: quietLogger)
        for broker in MT4ServerCatalog.brokers {
            for symbol in broker.symbols {
                let quote = venue.currentQuote(broker: broker.id, symbol: symbol)
                #expect(quote != nil, "\(broker.id) \(symbol)")
                if let quote { #expect(quote.bid > 0 && quote.bid < quote.ask, "\(broker.id) \(symbol)") }
            }
            #expect(venue.currentQuote(broker: broker.id, symbol: "DOGEUSD") == nil)
        }
        #expect(MT4ServerCatalog.brokers.map(\.id) == ["ava", "fxclub", "fxopen", "icmarkets", "demo"])
        #expect(MT4ServerCatalog.broker("fxopen")?.isTradable("EURUSD") == false)
        #expect(MT4ServerCatalog.broker("fxopen")?.isTradable("BTCUSD") == true)
    }

    @Test func pricesAreRealisticAndRoundedToTheInstrumentDigits() throws {
        let venue = MT4ServerSimulator(
            configuration: .init(), host: "127.0.0.1", seed: 1, tickInterval: .milliseconds(1), logger: quietLogger)
        let eurusd = try #require(venue.currentQuote(broker: "ava", symbol: "EURUSD"))
        #expect(eurusd.bid > 1 && eurusd.bid < 1.2)
        #expect(eurusd.ask - eurusd.bid == Decimal(string: "0.00012"))
        #expect(eurusd.bid.description.split(separator: ".").last.map(\.count) ?? 0 <= 5)
        let btc = try #require(venue.currentQuote(broker: "ava", symbol: "BTCUSD"))
        #expect(btc.bid > 40_000 && btc.bid < 80_000)
        #expect(btc.bid.description.split(separator: ".").dropFirst().first.map(\.count) ?? 0 <= 2)
        #expect(venue.balance(broker: "ava") == 10_000)
    }

    @Test func theSameSeedReplaysTheSameFirstPrices() {
        func firstQuote(seed: UInt64) -> Decimal? {
            let venue = MT4ServerSimulator(
                configuration: .init(), host: "127.0.0.1", seed: seed, tickInterval: .seconds(60), logger: quietLogger)
            return venue.currentQuote(broker: "icmarkets", symbol: "ETHUSD")?.bid
        }
        #expect(firstQuote(seed: 9) == firstQuote(seed: 9))
    }
}
