import Foundation
import Testing
import VenueSimulator

/// The Magnr face's fault injection and its admin API (orders, status, reset), over curl.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MagnrFaultAndAdminTests {
    @Test func hangOrdersBooksTradesAndLiquidationsButWithholdsTheAnswers() async throws {
        try await withSimulator { sim in
            try await sim.adminPost("/magnr/faults", json: #"{"hangOrders":true}"#)
            let create = try await Curl.run(
                ["--max-time", "2"]
                    + magnrArguments(base: sim.magnr, "POST", "/api/v1/trades/", json: magnrTrade(size: "0.5")))
            #expect(create.exitCode == 28, "curl should time out, got exit \(create.exitCode)")
            #expect(create.status == nil)
            let orders = try await sim.magnrOrders()
            try #require(orders.count == 1)
            #expect(orders[0]["responseWithheld"] as? Bool == true)
            let post = try await sim.magnrRequests().last { $0["method"] as? String == "POST" }
            #expect(post?["status"] as? Int == 0, "no response was sent")
            #expect(
                try await magnrEventually { try await sim.magnrStatus()["withheldResponses"] == 0 },
                "released when curl left")

            // Reads are answered while hangOrders is on; the withheld trade is live at the venue.
            let opened = try await magnrEventually {
                try await sim.trade(1_001)["status"] as? String == "open"
            }
            try #require(opened)
            let liquidation = try await Curl.run(
                ["--max-time", "2"] + magnrArguments(base: sim.magnr, "DELETE", "/api/v1/trades/1001/"))
            #expect(liquidation.exitCode == 28 && liquidation.status == nil)
            let status = try await sim.trade(1_001)["status"] as? String
            #expect(status == "closed" || status == "settled", "the liquidation was booked: \(status ?? "nil")")
            let refused = try await sim.magnrCall("POST", "/api/v1/trades/", json: magnrTrade(side: "hold"))
            #expect(refused.status == 400, "refusals are answered normally")
        }
    }

    @Test func injectedErrorsAndDropsComeBeforeAuthentication() async throws {
        try await withSimulator { sim in
            try await sim.adminPost("/magnr/faults", json: #"{"errorRate":1}"#)
            let unsigned = try await Curl.run([sim.magnr + "/api/v1/trades/"])
            #expect(unsigned.status == 500 && unsigned.text == #"{"errors":["Internal server error"]}"#)
            #expect(unsigned.headers["content-type"] == "application/json")
            try await sim.adminPost("/magnr/faults", json: #"{"errorStatus":504}"#)
            let create = try await sim.magnrCall("POST", "/api/v1/trades/", json: magnrTrade())
            #expect(create.status == 504)
            #expect(magnrErrors(create) == ["The exchange could not complete the request"])
            try await sim.adminPost("/magnr/faults", json: #"{"errorRate":0,"dropRate":1}"#)
            let dropped = try await sim.magnrCall("POST", "/api/v1/trades/", json: magnrTrade())
            #expect([52, 56].contains(dropped.exitCode), "curl exit \(dropped.exitCode)")
            #expect(dropped.status == nil)
            #expect(try await sim.magnrOrders().isEmpty, "nothing faulted was processed")
            #expect(try sim.magnrVenue.acceptedTonces().isEmpty, "nor authenticated")
            try await sim.adminPost("/magnr/faults", json: #"{"dropRate":0}"#)
            #expect(try await sim.createTrade(magnrTrade()) == 1_001)
        }
    }

    @Test func adminOrdersStatusAndResetCoverTheVenue() async throws {
        try await withSimulator { sim in
            let venue = try sim.magnrVenue
            let long = try await sim.createTrade(magnrTrade(size: "0.25", exchange: "LOCAL", pair: "XBTUSD"))
            let short = try await sim.createTrade(magnrTrade(side: "sell", size: "0.1", exchange: "Bitstamp"))
            _ = try await sim.magnrCall("GET", "/api/v1/trades/", privateKey: "wrong")
            _ = try await sim.magnrCall("GET", "/api/v1/trades/", tonce: "1")
            let opened = try await magnrEventually {
                try await sim.magnrOrders().allSatisfy { $0["status"] as? String == "open" }
            }
            try #require(opened)
            #expect(try await sim.magnrCall("DELETE", "/api/v1/trades/\(short)/").status == 200)
            let settled = try await magnrEventually { try await sim.trade(short)["status"] as? String == "settled" }
            try #require(settled)

            let orders = try await sim.magnrOrders()
            try #require(orders.count == 2)
            #expect(orders[0]["ticket"] as? Int == long && orders[1]["ticket"] as? Int == short)
            #expect(orders[0]["broker"] as? String == "LOCAL" && orders[0]["pair"] as? String == "XBTUSD")
            #expect(orders[0]["amount"] as? String == "0.25" && orders[0]["op"] as? String == "buy")
            #expect(orders[0]["status"] as? String == "open" && orders[0]["closedAt"] is NSNull)
            let trade = try await sim.trade(short)
            #expect(orders[1]["status"] as? String == "settled" && orders[1]["op"] as? String == "sell")
            #expect(decimal(trade["open_price"]) == Decimal(string: orders[1]["openPrice"] as? String ?? ""))
            #expect(decimal(trade["close_price"]) == Decimal(string: orders[1]["closePrice"] as? String ?? ""))
            let profit = try #require(Decimal(string: orders[1]["profit"] as? String ?? ""))
            #expect(decimal(trade["profit"]) == profit)
            #expect(venue.balance() == 10 + profit)

            let status = try await sim.magnrStatus()
            #expect(
                status == ["tonceRejections": 1, "signatureRejections": 1, "withheldResponses": 0, "openTrades": 1])
            let tonces = venue.acceptedTonces()
            #expect(tonces.count >= 4 && tonces == tonces.sorted(), "in acceptance order: \(tonces)")

            let reset = try await sim.adminPost("/magnr/reset")
            #expect(reset.status == 200 && reset.text == #"{"reset":"magnr"}"#)
            #expect(try await sim.magnrOrders().isEmpty)
            #expect(venue.balance() == 10)
            #expect(venue.acceptedTonces().isEmpty)
            #expect(
                try await sim.magnrStatus()
                    == ["tonceRejections": 0, "signatureRejections": 0, "withheldResponses": 0, "openTrades": 0])
            // The last tonce is forgotten: an older one (still inside the window) is accepted again.
            let older = try #require(tonces.first)
            let list = try await sim.magnrCall("GET", "/api/v1/trades/", tonce: String(older))
            #expect(list.status == 200 && list.text == #"{"trades":[]}"#)
            let next = try await sim.createTrade(magnrTrade())
            #expect(next == 1_003, "trade ids are never reused")
        }
    }

    @Test func theVenueIsServedAndConfiguredThroughTheSimulator() async throws {
        try await withSimulator(configure: {
            $0.magnr.fillDelay = .milliseconds(1_234)
            $0.magnr.startingBalance = 3
        }) { sim in
            let venue = try sim.magnrVenue
            let listener = try #require(sim.listeners.magnr)
            #expect(listener.port > 0 && listener.host == "127.0.0.1")
            let others = [sim.listeners.admin.port, sim.listeners.mt4Server?.port, sim.listeners.cplugin?.port]
            #expect(!others.contains(listener.port))
            #expect(venue.configuration.fillDelay == .milliseconds(1_234))
            #expect(venue.balance() == 3)
            let price = venue.currentPrice()
            #expect(price > 30_000 && price < 120_000, "around 60000: \(price)")
            let root = try #require(try await sim.adminGet("/") as? [String: Any])
            let names = (root["venues"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["mt4server", "cplugin", "magnr", "deriv", "ctrader"])
            let faults = try await sim.adminPost("/magnr/faults", json: #"{"expireTokens":true}"#)
            #expect(faults.status == 400, "Magnr has no tokens to expire")
        }
    }
}
