import Foundation
import Testing
import VenueSimulator

@Suite(.timeLimit(.minutes(3)))
struct CPluginConfigurationTests {
    @Test func defaultsMatchTheSpecification() throws {
        let configuration = VenueSimulatorConfiguration()
        let cplugin = configuration.cplugin
        #expect(cplugin.port == 8802)
        #expect(cplugin.clientID == "sim-cplugin-client" && cplugin.clientSecret == "sim-cplugin-secret")
        #expect(cplugin.tokenLifetime == 3_600)
        #expect(cplugin.tradePlatform == "00000000-0000-0000-0000-000000000001")
        #expect(cplugin.login == 1_001 && cplugin.group == "demo" && cplugin.leverage == 100)
        #expect(cplugin.startingBalance == 10_000)
        #expect(cplugin.symbols.map(\.name) == ["EURUSD", "USDJPY", "BTCUSD", "ETHUSD"])
        #expect(cplugin.symbols.map(\.digits) == [5, 3, 2, 2])
        #expect(cplugin.symbols.map(\.contractSize) == [100_000, 100_000, 1, 1])
        #expect(cplugin.symbols.map(\.accountCurrencyIsBase) == [false, true, false, false])
        #expect(cplugin.keepAliveInterval == .seconds(15) && cplugin.clientTimeout == .seconds(30))
        #expect(cplugin.handshakeTimeout == .seconds(15) && cplugin.maxWithheld == .seconds(300))
        try configuration.validate()
        #expect(!cplugin.description.contains("sim-cplugin-secret"))
        #expect(VenueSimulatorConfiguration.ephemeral.cplugin.port == 0)
    }

    @Test func invalidCPluginConfigurationsAreRejected() {
        var clashWithAdmin = VenueSimulatorConfiguration()
        clashWithAdmin.cplugin.port = 8800
        var clashWithMT4 = VenueSimulatorConfiguration()
        clashWithMT4.cplugin.port = 8801
        var badPlatform = VenueSimulatorConfiguration()
        badPlatform.cplugin.tradePlatform = "platform-1"
        var badSecret = VenueSimulatorConfiguration()
        badSecret.cplugin.clientSecret = "with space"
        var badLifetime = VenueSimulatorConfiguration()
        badLifetime.cplugin.tokenLifetime = 0
        var badSymbols = VenueSimulatorConfiguration()
        badSymbols.cplugin.symbols += [badSymbols.cplugin.symbols[0]]
        var badKeepAlive = VenueSimulatorConfiguration()
        badKeepAlive.cplugin.keepAliveInterval = .zero
        for configuration in [
            clashWithAdmin, clashWithMT4, badPlatform, badSecret, badLifetime, badSymbols, badKeepAlive,
        ] {
            #expect(throws: VenueSimulatorError.self) { try configuration.validate() }
        }
        var bothEphemeral = VenueSimulatorConfiguration.ephemeral
        bothEphemeral.mt4Server.port = 0
        #expect(throws: Never.self) { try bothEphemeral.validate() }
    }

    @Test func quotesAreSeededRoundedAndBidBelowAsk() throws {
        func venue(seed: UInt64) -> CPluginSimulator {
            CPluginSimulator(
                configuration: .init(), host: "127.0.0.1", seed: seed, tickInterval: .milliseconds(1),
                logger: quietLogger)
        }
        let simulator = venue(seed: 3)
        for symbol in CPluginSymbol.defaults {
            let quote = try #require(simulator.currentQuote(symbol: symbol.name))
            #expect(quote.bid > 0 && quote.bid < quote.ask, "\(symbol.name)")
            #expect(quote.ask - quote.bid == symbol.spread)
            let decimals = quote.bid.description.split(separator: ".").dropFirst().first.map(\.count) ?? 0
            #expect(decimals <= symbol.digits, "\(symbol.name) \(quote.bid)")
        }
        #expect(simulator.currentQuote(symbol: "eurusd") == nil, "symbol names are case-sensitive")
        #expect(simulator.balance(login: 1_001) == 10_000)
        #expect(simulator.balance(login: 1_002) == nil)
        let still = CPluginSimulator(
            configuration: .init(), host: "127.0.0.1", seed: 9, tickInterval: .seconds(60), logger: quietLogger)
        let same = CPluginSimulator(
            configuration: .init(), host: "127.0.0.1", seed: 9, tickInterval: .seconds(60), logger: quietLogger)
        #expect(still.currentQuote(symbol: "ETHUSD")?.bid == same.currentQuote(symbol: "ETHUSD")?.bid)
    }
}
