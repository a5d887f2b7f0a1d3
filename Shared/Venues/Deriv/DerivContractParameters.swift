import Foundation
import Messages
import VenueKit

/// The contract an order buys: `extensions.deriv` over the venue defaults.
///
/// `extensions.deriv` keys: `contract_type` (`MULTUP`/`MULTDOWN` for multipliers, the default; `CALL`/`PUT` for
/// rise/fall; it must agree with the side: buy → `MULTUP`/`CALL`, sell → `MULTDOWN`/`PUT`), `multiplier` (positive
/// number), `take_profit` and `stop_loss` (positive decimal strings: money amounts; multipliers only), `cancellation`
/// (`5m` `10m` `15m` `30m` `60m`; multipliers only), `duration` (positive integer) with `duration_unit` (`t` `s` `m`
/// `h` `d`; both required for CALL/PUT, refused for multipliers), `basis` (`stake`, the default, or `payout`; CALL/PUT
/// only).
struct DerivContractParameters: Sendable, Hashable {
    var contractType: String
    var multiplier: Decimal?
    var takeProfit: Decimal?
    var stopLoss: Decimal?
    var cancellation: String?
    var duration: Int?
    var durationUnit: String?
    var basis = "stake"

    struct Refusal: Error { var reason: Reason }

    var isMultiplier: Bool { self.contractType.hasPrefix("MULT") }

    /// The side a contract type stands for.
    static func side(of contractType: String) -> OrderSide? {
        switch contractType {
        case "MULTUP", "CALL": .buy
        case "MULTDOWN", "PUT": .sell
        default: nil
        }
    }

    /// The `parameters` object of `buy` (and of `proposal`).
    func parameters(stake: Decimal, symbol: String, currency: String) -> [String: JSONValue] {
        var parameters: [String: JSONValue] = [
            "amount": .number(stake), "basis": .string(self.basis), "contract_type": .string(self.contractType),
            "currency": .string(currency), "symbol": .string(symbol),
        ]
        if let multiplier = self.multiplier { parameters["multiplier"] = .number(multiplier) }
        var limits: [String: JSONValue] = [:]
        if let takeProfit = self.takeProfit { limits["take_profit"] = .number(takeProfit) }
        if let stopLoss = self.stopLoss { limits["stop_loss"] = .number(stopLoss) }
        if !limits.isEmpty { parameters["limit_order"] = .object(limits) }
        if let cancellation = self.cancellation { parameters["cancellation"] = .string(cancellation) }
        if let duration = self.duration { parameters["duration"] = .number(Decimal(duration)) }
        if let unit = self.durationUnit { parameters["duration_unit"] = .string(unit) }
        return parameters
    }

    static func make(
        _ extensions: JSONValue?, symbol: String, side: OrderSide, defaults: DerivConfiguration
    ) -> Result<Self, Refusal> {
        func refuse(_ message: String) -> Result<Self, Refusal> {
            .failure(Refusal(reason: .venue("invalid_extensions", message)))
        }
        var contract = Self(contractType: side == .buy ? "MULTUP" : "MULTDOWN")
        var multiplier: Decimal? = defaults.multipliers[symbol] ?? defaults.multiplier
        if let extensions {
            guard case .object(let object) = extensions else { return refuse("extensions.deriv must be an object") }
            for (key, value) in object {
                switch (key, value) {
                case ("contract_type", .string(let type)) where DerivConfiguration.contractTypes.contains(type):
                    guard Self.side(of: type) == side else {
                        return refuse("extensions.deriv.contract_type \(type) does not match the side \(side.rawValue)")
                    }
                    contract.contractType = type
                case ("multiplier", let number) where (number.decimalValue ?? 0) > 0:
                    multiplier = number.decimalValue
                case ("take_profit", .string(let text)), ("stop_loss", .string(let text)):
                    guard let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), amount > 0,
                        amount == amount.rounded(scale: 2)
                    else { return refuse("extensions.deriv.\(key) must be a positive money amount with at most 2 decimals") }
                    if key == "take_profit" { contract.takeProfit = amount } else { contract.stopLoss = amount }
                case ("cancellation", .string(let window)) where ["5m", "10m", "15m", "30m", "60m"].contains(window):
                    contract.cancellation = window
                case ("duration", let number) where (number.integerValue ?? 0) > 0:
                    contract.duration = number.integerValue
                case ("duration_unit", .string(let unit)) where ["t", "s", "m", "h", "d"].contains(unit):
                    contract.durationUnit = unit
                case ("basis", .string(let basis)) where basis == "stake" || basis == "payout":
                    contract.basis = basis
                default:
                    return refuse(
                        "extensions.deriv.\(key) is not one of contract_type (MULTUP, MULTDOWN, CALL, PUT), multiplier, "
                            + "take_profit, stop_loss, cancellation (5m…60m), duration, duration_unit (t s m h d), basis (stake, payout)")
                }
            }
        }
        if contract.isMultiplier {
            guard contract.duration == nil, contract.durationUnit == nil, contract.basis == "stake" else {
                return refuse("multipliers take no duration and only the stake basis")
            }
            contract.multiplier = multiplier
        } else {
            guard contract.duration != nil, contract.durationUnit != nil else {
                return refuse("\(contract.contractType) needs extensions.deriv.duration and duration_unit")
            }
            guard contract.takeProfit == nil, contract.stopLoss == nil, contract.cancellation == nil else {
                return refuse("take_profit, stop_loss and cancellation apply to multipliers only")
            }
        }
        return .success(contract)
    }
}
