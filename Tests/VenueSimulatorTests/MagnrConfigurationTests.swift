import Foundation
import Testing
import VenueSimulator

@Suite(.timeLimit(.minutes(3)))
struct MagnrConfigurationTests {
    @Test func defaultsMatchTheSpecification() throws {
        let configuration = VenueSimulatorConfiguration()
        let magnr = configuration.magnr
        #expect(magnr.port == 8803)
        #expect(magnr.publicKey == "sim-magnr-pub" && magnr.privateKey == "sim-magnr-priv")
        #expect(magnr.tonceWindow == .seconds(300) && magnr.startingBalance == 10)
        #expect(magnr.fillDelay == .milliseconds(300) && magnr.settleDelay == .milliseconds(300))
        #expect(magnr.maxWithheld == .seconds(300))
        try configuration.validate()
        #expect(!magnr.description.contains("sim-magnr-priv") && magnr.description.contains("sim-magnr-pub"))
        #expect(VenueSimulatorConfiguration.ephemeral.magnr.port == 0)
        let exchanges = MagnrSimulatorConfiguration.exchanges.map { "\($0.key):\($0.value.joined(separator: "+"))" }
        #expect(exchanges == ["Bitstamp:BTCUSD", "ItBit:XBTUSD", "Bitfinex:BTCUSD+XBTUSD", "LOCAL:BTCUSD+XBTUSD"])
    }

    @Test func invalidMagnrConfigurationsAreRejected() {
        func changed(_ change: (inout VenueSimulatorConfiguration) -> Void) -> VenueSimulatorConfiguration {
            var configuration = VenueSimulatorConfiguration()
            change(&configuration)
            return configuration
        }
        let invalid = [
            changed { $0.magnr.port = 8800 }, changed { $0.magnr.port = 8801 }, changed { $0.magnr.port = 8802 },
            changed { $0.magnr.port = 70_000 }, changed { $0.magnr.publicKey = "pub:lic" },
            changed { $0.magnr.privateKey = "" }, changed { $0.magnr.privateKey = "with space" },
            changed { $0.magnr.tonceWindow = .zero }, changed { $0.magnr.fillDelay = .milliseconds(-1) },
            changed { $0.magnr.settleDelay = .seconds(601) }, changed { $0.magnr.startingBalance = -1 },
            changed { $0.magnr.maxWithheld = .zero },
        ]
        for configuration in invalid {
            #expect(throws: VenueSimulatorError.self) { try configuration.validate() }
            #expect(throws: VenueSimulatorError.self) {
                try VenueSimulator(configuration: configuration, logger: quietLogger)
            }
        }
        var ephemeral = VenueSimulatorConfiguration.ephemeral
        ephemeral.magnr.fillDelay = .zero
        #expect(throws: Never.self) { try ephemeral.validate() }
    }

    @Test func thePriceIsSeededAndTheAccountStartsFull() {
        func venue(seed: UInt64) -> MagnrSimulator {
            MagnrSimulator(
                configuration: .init(), host: "127.0.0.1", seed: seed, tickInterval: .seconds(60), logger: quietLogger)
        }
        let first = venue(seed: 5)
        let same = venue(seed: 5)
        #expect(first.currentPrice() == same.currentPrice())
        #expect(first.currentPrice() > 50_000 && first.currentPrice() < 70_000)
        #expect(first.balance() == 10)
        #expect(first.acceptedTonces().isEmpty && first.acceptedOrders().isEmpty)
        #expect(
            first.status() == ["tonceRejections": 0, "signatureRejections": 0, "withheldResponses": 0, "openTrades": 0])
        #expect(first.name == "magnr" && first.port == 8803)
    }
}
