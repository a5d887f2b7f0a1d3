import Foundation
import Testing
import VenueSimulator

/// The Deriv face's contracts: proposals, buys, the portfolio, contract states, sales, limits and the rate limit.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DerivTradingTests {
    @Test func aMultiplierBoughtWithParametersIsListedValuedAndSoldAtMarket() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            let bought = try await client.object(DerivDefaults.multiplier())
            let id = try #require(bought["contract_id"] as? Int)
            #expect(id == 250_000_000_001)
            #expect(decimal(bought["buy_price"]) == 10 && decimal(bought["balance_after"]) == 9_990)
            #expect((bought["transaction_id"] as? Int ?? 0) >= 500_000_000_001)
            #expect((bought["shortcode"] as? String)?.hasPrefix("MULTUP_R_50_") == true)

            let portfolio = try await client.object(["portfolio": 1])
            let contracts = try #require(portfolio["contracts"] as? [[String: Any]])
            #expect(contracts.map { $0["contract_id"] as? Int } == [id])
            #expect(contracts.first?["symbol"] as? String == "R_50" && contracts.first?["app_id"] as? Int == 1089)

            let state = try await client.object(["proposal_open_contract": 1, "contract_id": id])
            #expect(state["contract_id"] as? Int == id && state["status"] as? String == "open")
            #expect(state["contract_type"] as? String == "MULTUP" && state["underlying"] as? String == "R_50")
            #expect(decimal(state["buy_price"]) == 10 && decimal(state["multiplier"]) == 80)
            #expect(state["is_sold"] as? Int == 0 && state["is_valid_to_sell"] as? Int == 1)
            #expect(state["entry_tick"] != nil && state["current_spot"] != nil)
            let stopOut = ((state["limit_order"] as? [String: Any])?["stop_out"] as? [String: Any])
            #expect(decimal(stopOut?["order_amount"]) == -10)

            #expect(try await client.errorCode(["sell": id, "price": 1_000]) == "PriceMoved", "the bid is below 1000")
            let sold = try await client.object(["sell": id, "price": 0])
            let soldFor = try #require(decimal(sold["sold_for"]))
            #expect(decimal(sold["balance_after"]) == 9_990 + soldFor)
            #expect(sold["reference_id"] as? Int == bought["transaction_id"] as? Int)
            let balance = try await client.object(["balance": 1])
            #expect(decimal(balance["balance"]) == 9_990 + soldFor)
            #expect(try await client.errorCode(["sell": id, "price": 0]) == "InvalidSellContractProposal")
            #expect(try await client.errorCode(["sell": 42, "price": 0]) == "InvalidSellContractProposal")
            let after = try await client.object(["portfolio": 1])
            #expect((after["contracts"] as? [Any])?.isEmpty == true)
            let final = try await client.object(["proposal_open_contract": 1, "contract_id": id])
            #expect(final["status"] as? String == "sold" && final["is_sold"] as? Int == 1)
            #expect(decimal(final["sell_price"]) == soldFor)
        }
    }

    @Test func aProposalIDBuysOnce() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            let proposal = try await client.object([
                "proposal": 1, "contract_type": "MULTDOWN", "symbol": "R_100", "currency": "USD", "amount": 25,
                "basis": "stake", "multiplier": 100,
            ])
            let id = try #require(proposal["id"] as? String)
            #expect(decimal(proposal["ask_price"]) == 25 && proposal["display_value"] as? String == "25.00")
            try await client.authorize()
            #expect(try await client.errorCode(["buy": id, "price": 24]) == "PriceMoved")
            let bought = try await client.object(["buy": id, "price": 25])
            #expect(decimal(bought["buy_price"]) == 25)
            #expect(try await client.errorCode(["buy": id, "price": 25]) == "InvalidContractProposal")
            #expect(try await client.errorCode(["buy": UUID().uuidString, "price": 25]) == "InvalidContractProposal")
            let orders = try await sim.derivOrders()
            #expect(orders.count == 1 && orders.first?["op"] as? String == "sell")
        }
    }

    @Test func badContractParametersAreRefused() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            let refusals: [[String: Any]] = [
                DerivDefaults.multiplier(multiplier: 81),
                DerivDefaults.multiplier(symbol: "R_99"),
                DerivDefaults.multiplier(stake: 5_000),
                DerivDefaults.multiplier(extra: ["currency": "EUR"]),
                DerivDefaults.multiplier(extra: ["amount": 10.125]),
                DerivDefaults.multiplier(extra: ["duration": 5, "duration_unit": "m"]),
                DerivDefaults.multiplier(extra: ["cancellation": "7m"]),
                DerivDefaults.multiplier(extra: ["limit_order": ["stop_loss": 50]]),
                DerivDefaults.multiplier(extra: ["contract_type": "ACCU"]),
                ["buy": "1", "price": 10, "parameters": [
                    "contract_type": "CALL", "symbol": "R_100", "currency": "USD", "amount": 10, "basis": "stake",
                ]],
                ["buy": "1", "price": 10, "parameters": [
                    "contract_type": "PUT", "symbol": "R_100", "currency": "USD", "amount": 10, "duration": 5,
                    "duration_unit": "s", "limit_order": ["take_profit": 5],
                ]],
                ["buy": "1", "price": 10],
            ]
            for request in refusals {
                #expect(try await client.errorCode(request) == "ContractBuyValidationError", "\(request)")
            }
            let unknownField = DerivDefaults.multiplier(extra: ["bogus": 1])
            #expect(try await client.errorCode(unknownField) == "InputValidationFailed")
            #expect(try await sim.derivOrders().isEmpty)
            #expect(decimal(try await client.object(["balance": 1])["balance"]) == 10_000)
        }
    }

    @Test func aBuyAboveTheBalanceIsRefused() async throws {
        try await withSimulator(configure: { $0.deriv.startingBalance = 50 }) { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            #expect(try await client.errorCode(DerivDefaults.multiplier(stake: 60)) == "InsufficientBalance")
            _ = try await client.object(DerivDefaults.multiplier(stake: 50))
            #expect(try await client.errorCode(DerivDefaults.multiplier(stake: 1)) == "InsufficientBalance")
            #expect(decimal(try await client.object(["balance": 1])["balance"]) == 0)
        }
    }

    @Test func pricingCallsShareTheRateLimit() async throws {
        try await withSimulator(configure: { $0.deriv.callsPerMinute = 3 }) { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            let proposal: [String: Any] = [
                "proposal": 1, "contract_type": "MULTUP", "symbol": "R_50", "currency": "USD", "amount": 10,
                "multiplier": 80,
            ]
            _ = try await client.object(proposal)
            _ = try await client.object(DerivDefaults.multiplier())
            _ = try await client.object(["proposal_open_contract": 1])
            let limited = try await client.call(["sell": 1, "price": 0])
            #expect(derivError(limited) == "RateLimit")
            let message = (limited["error"] as? [String: Any])?["message"] as? String
            #expect(message == "You have reached the rate limit for sell.")
            #expect(try await client.errorCode(proposal) == "RateLimit")
            #expect(try await client.payload(["ping": 1]) as? String == "pong", "other calls are not limited")
            #expect(try await client.errorCode(["portfolio": 1]) == nil)
            #expect(try await sim.derivStatus()["rateLimited"] == 2)
            #expect(try await sim.derivOrders().count == 1, "refused calls are not executed")
            let status = try await client.object(["website_status": 1])
            let limits = (status["api_call_limits"] as? [String: Any])?["max_requests_pricing"] as? [String: Any]
            #expect(limits?["minutely"] as? Int == 3)
        }
    }

    @Test func aBoughtContractStreamsItsStateUntilItIsFinished() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            var request = DerivDefaults.multiplier(stake: 10, multiplier: 40, extra: ["symbol": "R_100"])
            request["subscribe"] = 1
            let answer = try await client.call(request)
            let streamID = try #require((answer["subscription"] as? [String: Any])?["id"] as? String)
            let id = try #require((answer["buy"] as? [String: Any])?["contract_id"] as? Int)
            #expect(try await client.awaitMessages(ofStream: streamID, count: 3))
            let updates = client.messages(ofStream: streamID).filter {
                $0["msg_type"] as? String == "proposal_open_contract"
            }
            #expect(updates.count >= 2 && updates.allSatisfy {
                ($0["proposal_open_contract"] as? [String: Any])?["contract_id"] as? Int == id
            })
            _ = try await client.object(["sell": id, "price": 0])
            let last = try await client.first {
                (($0["proposal_open_contract"] as? [String: Any])?["is_sold"] as? Int) == 1
                    && ($0["subscription"] as? [String: Any])?["id"] as? String == streamID
            }
            #expect((last?["proposal_open_contract"] as? [String: Any])?["status"] as? String == "sold")
            #expect(try await derivEventually { try await sim.derivStatus()["subscriptions"] == 0 }, "the stream ended")
        }
    }

    @Test func limitsCloseMultipliersAndRiseFallContractsSettleAtExpiry() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            // The commission (10 × 40 × 0.005% = 0.02) is a loss at once: a 0.01 stop loss closes the contract as soon
            // as the price has not risen enough to pay for it.
            let stopped = try await client.object(
                DerivDefaults.multiplier(symbol: "R_100", multiplier: 40, extra: ["limit_order": ["stop_loss": 0.01]]))
            let stoppedID = try #require(stopped["contract_id"] as? Int)
            let rise = try await client.object([
                "buy": "1", "price": 10, "parameters": [
                    "contract_type": "CALL", "symbol": "R_100", "currency": "USD", "amount": 10, "basis": "stake",
                    "duration": 1, "duration_unit": "t",
                ],
            ])
            let riseID = try #require(rise["contract_id"] as? Int)
            #expect(decimal(rise["payout"]) == Decimal(string: "19.5"))
            var states: [Int: [String: Any]] = [:]
            let finished = try await derivEventually {
                for id in [stoppedID, riseID] {
                    states[id] = try await client.object(["proposal_open_contract": 1, "contract_id": id])
                }
                return states.values.allSatisfy { $0["is_sold"] as? Int == 1 }
            }
            try #require(finished, "\(states)")
            #expect(states[stoppedID]?["status"] as? String == "sold")
            let stopPrice = try #require(decimal(states[stoppedID]?["sell_price"]))
            #expect(stopPrice <= Decimal(string: "9.99")!, "closed at a loss of at least the stop loss")
            let riseStatus = states[riseID]?["status"] as? String
            #expect(riseStatus == "won" || riseStatus == "lost")
            let payout: Decimal = riseStatus == "won" ? Decimal(string: "19.5")! : 0
            #expect(decimal(states[riseID]?["sell_price"]) == payout)
            let expected = 10_000 - 20 + stopPrice + payout
            #expect(decimal(try await client.object(["balance": 1])["balance"]) == expected)
            #expect(try await client.errorCode(["sell": riseID, "price": 0]) == "InvalidSellContractProposal")
        }
    }

    @Test func dealCancellationRefundsTheStakeAndUpdatesChangeLimits() async throws {
        try await withSimulator { sim in
            let client = try await DerivTestClient.connect(sim)
            try await client.authorize()
            let protected = try await client.object(
                DerivDefaults.multiplier(stake: 100, multiplier: 80, extra: ["cancellation": "5m"]))
            let id = try #require(protected["contract_id"] as? Int)
            let price = try #require(decimal(protected["buy_price"]))
            #expect(price > 100, "the cancellation fee is part of the price")
            let stopLoss: [String: Any] = ["contract_update": 1, "contract_id": id, "limit_order": ["stop_loss": 5]]
            #expect(try await client.errorCode(stopLoss) == "InvalidContractUpdate")
            let updated = try await client.object(
                ["contract_update": 1, "contract_id": id, "limit_order": ["take_profit": 50]])
            #expect(decimal((updated["take_profit"] as? [String: Any])?["order_amount"]) == 50)
            #expect((updated["stop_loss"] as? [String: Any])?["order_amount"] is NSNull)
            let cancelled = try await client.object(["cancel": id])
            #expect(decimal(cancelled["sold_for"]) == 100)
            #expect(decimal(cancelled["balance_after"]) == 10_000 - price + 100)
            #expect(try await client.errorCode(["cancel": id]) == "InvalidContractUpdate")
            let plain = try await client.object(DerivDefaults.multiplier())
            let plainID = plain["contract_id"] as? Int ?? 0
            #expect(try await client.errorCode(["cancel": plainID]) == "InvalidContractUpdate")
            let state = try await client.object(["proposal_open_contract": 1, "contract_id": id])
            #expect(state["status"] as? String == "cancelled")
        }
    }
}
