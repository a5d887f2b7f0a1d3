import Foundation
import Messages
import OrderExecutorCore
import ServiceSupport
import Testing
import VenueKit

@Suite
struct PreTradeChecksTests {
    private let context: PreTradeContext = {
        let file = try! VenueConfigurationFile.parse(Data("""
            {"venues": [{"id": "mt4-demo", "protocol": "mt4server", "endpoint": "http://127.0.0.1:8801", "broker": "demo",
              "symbols": ["BTCUSD", "XRPUSD"],
              "limits": {"maxQuantity": "2", "maxNotional": "100000"},
              "secrets": {"apiKey": {"env": "K"}}}]}
            """.utf8))
        let capabilities = VenueCapabilities(orderTypes: [.market], canCancel: false, hasBalance: true, hasTicks: true)
        let rules = VenueSymbolRules(tradable: ["BTCUSD", "ETHUSD"], quoteOnly: ["XRPUSD"])
        return PreTradeContext(
            venues: Dictionary(uniqueKeysWithValues: file.venues.map { ($0.id, $0) }),
            capabilities: ["mt4-demo": (capabilities, rules)], halted: [],
            referencePrice: { _, symbol in symbol == "BTCUSD" ? 60_000 : nil })
    }()

    private func place(
        venue: String = "mt4-demo", symbol: String = "BTCUSD", quantity: Decimal = 1, orderType: OrderType = .market,
        limitPrice: Decimal? = nil, expiresAt: Timestamp? = nil, action: OrderAction = .place
    ) -> OrderCommand {
        OrderCommand(
            commandId: UUID(), action: action, venue: venue, clientOrderId: "c-1", symbol: symbol,
            side: .buy, quantity: quantity, orderType: action == .place ? orderType : nil, limitPrice: limitPrice,
            expiresAt: expiresAt, createdAt: .now(), source: "test")
    }

    private func code(_ command: OrderCommand, halted: Set<String> = [], reference: Decimal?? = .none) -> String? {
        var context = self.context
        context.halted = halted
        if case .some(let price) = reference { context.referencePrice = { _, _ in price } }
        if case .refuse(_, let reason) = PreTradeChecks.evaluate(command, context: context) { return reason.code }
        return nil
    }

    @Test func aCommandWithinEveryRulePasses() {
        #expect(self.code(self.place()) == nil)
    }

    @Test func eachRuleRefusesWithItsOwnReason() {
        #expect(self.code(self.place(venue: "mt4-nowhere")) == "unknown_venue")
        #expect(self.code(self.place(), halted: ["mt4-demo"]) == "venue_halted")
        #expect(self.code(self.place(), halted: ["*"]) == "venue_halted")
        #expect(self.code(self.place(orderType: .limit, limitPrice: 59_000)) == "order_type_unsupported")
        #expect(self.code(self.place(symbol: "XRPUSD")) == "symbol_quote_only")
        #expect(self.code(self.place(symbol: "ETHUSD")) == "symbol_not_configured")
        #expect(self.code(self.place(symbol: "DOGEUSD")) == "symbol_unknown")
        #expect(self.code(self.place(quantity: Decimal(string: "2.01")!)) == "quantity_limit")
        #expect(self.code(self.place(quantity: 2), reference: .some(60_000)) == "notional_limit")
        #expect(self.code(self.place(quantity: 1), reference: .some(nil)) == "notional_unknown")
    }

    @Test func anExpiredCommandIsExpiredNotRejected() {
        let command = self.place(expiresAt: Timestamp(date: Date().addingTimeInterval(-1)))
        #expect(PreTradeChecks.evaluate(command, context: self.context) == .refuse(.expired, Reason(code: "command_expired", message: "expiresAt \(command.expiresAt!) has passed")))
        #expect(self.code(self.place(expiresAt: Timestamp(date: Date().addingTimeInterval(60)))) == nil)
    }

    @Test func closesStillGoThroughWhileAVenueIsHalted() {
        let close = OrderCommand(
            commandId: UUID(), action: .close, venue: "mt4-demo", clientOrderId: "c-1", venueOrderId: "10000001",
            createdAt: .now(), source: "test")
        #expect(self.code(close, halted: ["*"]) == nil)
    }
}
