public import Foundation
public import Logging
import Messages
public import VenueKit

/// The Deriv protocol module (protocols.md §4): contracts over the WebSocket API v3, one session per client.
///
/// Deriv has no orders, only contracts. The order model maps onto them as follows:
/// - place (market only) → `buy` with `parameters` of a multiplier contract (with deal cancellation, whose cost only
///   a proposal tells: `proposal`, then `buy` of that proposal at its ask price): buy → `MULTUP`, sell → `MULTDOWN`; the
///   quantity is the **stake** in the account currency (at most 2 decimals). `extensions.deriv` may choose `CALL`/`PUT`
///   instead (with `duration` and `duration_unit`) and set `multiplier`, `take_profit`/`stop_loss` (money amounts, as
///   Deriv's limit orders are), `cancellation` and `basis`. The command's `stopLoss`/`takeProfit` are price levels,
///   which Deriv cannot take: such orders are refused before sending. The contract id is the venue order id; the fill
///   price is the contract's entry spot, read with `proposal_open_contract` after the buy.
/// - close → `sell` at price 0 (at market); cancel → `cancel` (only inside a multiplier's deal-cancellation window).
/// - open orders → `portfolio`; balance → `balance`; quotes → `ticks` streams, ended with `forget`.
///
/// The venue refusing a call (its error envelope) means nothing happened, except for `InternalServerError` and codes
/// we do not know, which leave a trade in doubt, as do a deadline or a lost connection after sending.
public final class DerivClient: VenueOrderGateway, VenueMarketData, Sendable {
    public let venueID: String
    public let capabilities = VenueCapabilities(orderTypes: [.market], canCancel: true, hasBalance: true, hasTicks: true)
    let configuration: DerivConfiguration
    let session: DerivSession
    let logger: Logger

    /// Creates a client for venue `venueID`; `tokens` yields the API token (the auth-token-broker's grants, or a
    /// fixed token in tests).
    public init(
        venueID: String, configuration: DerivConfiguration, tokens: any VenueTokenSource, logger: Logger
    ) throws(VenueError) {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "venue.name"] = "\(venueID)"
        self.venueID = venueID
        self.configuration = configuration
        self.logger = logger
        self.session = DerivSession(configuration: configuration, tokens: tokens, venueID: venueID, logger: logger)
    }

    /// Closes the session (pending calls fail, quote streams finish). The client is unusable afterwards.
    public func shutdown() {
        self.session.shutdown()
    }

    // MARK: - Orders

    public func place(_ request: VenuePlaceRequest) async -> VenueOrderOutcome {
        if let refusal = self.configuration.symbols.tradingRefusal(for: request.symbol) { return .rejected(refusal) }
        guard request.orderType == .market else {
            return .rejected(.venue("order_type_unsupported", "Deriv buys contracts at market only"))
        }
        guard request.stopLoss == nil, request.takeProfit == nil else {
            return .rejected(.venue(
                "unsupported_protection",
                "Deriv's limit orders are money amounts, not prices: use extensions.deriv.stop_loss and take_profit"))
        }
        guard request.quantity > 0, request.quantity == request.quantity.rounded(scale: 2) else {
            return .rejected(.venue(
                "invalid_quantity", "the quantity is the stake in \(self.configuration.currency): positive, at most 2 decimals"))
        }
        let contract: DerivContractParameters
        switch DerivContractParameters.make(
            request.extensions, symbol: request.symbol, side: request.side, defaults: self.configuration) {
        case .success(let made): contract = made
        case .failure(let refusal): return .rejected(refusal.reason)
        }
        var passthrough: [String: JSONValue] = ["client_order_id": .string(request.clientOrderID)]
        if let key = request.idempotencyKey { passthrough["command_id"] = .string(key) }
        let parameters = contract.parameters(stake: request.quantity, symbol: request.symbol, currency: self.configuration.currency)
        var buy: [String: JSONValue] = [
            "buy": .string("1"), "price": .number(request.quantity), "parameters": .object(parameters),
            "passthrough": .object(passthrough),
        ]
        if contract.cancellation != nil {
            // Deal cancellation costs extra, at a price only a proposal tells: buy that proposal at its ask price.
            let proposal: DerivFrame
            do {
                proposal = try await self.session.call(
                    parameters.merging(["proposal": .number(1)]) { $1 }, group: .trade, scope: .trade)
            } catch {
                return Self.outcome(error, call: "proposal", certain: true)
            }
            guard let id = proposal.payload?[member: "id"]?.stringValue, let ask = proposal.payload?[member: "ask_price"]?.decimalValue else {
                return .rejected(.venue("unreadable_reply", "the proposal has no id or ask price; nothing was bought"))
            }
            buy = ["buy": .string(id), "price": .number(ask), "passthrough": .object(passthrough)]
        }
        let frame: DerivFrame
        do {
            frame = try await self.session.call(buy, group: .trade, scope: .trade)
        } catch {
            return Self.outcome(error, call: "buy")
        }
        guard let receipt = frame.payload, let contractID = receipt[member: "contract_id"]?.integerValue else {
            return .unknown(.venue("unreadable_reply", "the venue's answer to the buy has no contract_id"))
        }
        let purchased = receipt[member: "purchase_time"]?.integerValue.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        let entry = await self.entrySpot(contractID)
        return .accepted(VenueOrderAck(
            venueOrderID: String(contractID), filledQuantity: request.quantity, averagePrice: entry, venueTime: purchased ?? Date()))
    }

    /// `sell` at price 0: the contract is sold back at market. Deriv sells whole contracts only.
    public func close(venueOrderID: String, quantity: Decimal?, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let contractID = Int(venueOrderID), contractID > 0 else {
            return .rejected(.venue("invalid_order_id", "Deriv contract ids are positive integers"))
        }
        guard quantity == nil else {
            return .rejected(.venue("partial_close_unsupported", "Deriv sells whole contracts only"))
        }
        let sell: [String: JSONValue] = ["sell": .number(Decimal(contractID)), "price": .number(0)]
        do {
            let frame = try await self.session.call(sell, group: .trade, scope: .trade)
            let soldAt = frame.payload?[member: "transaction_id"] != nil ? Date() : nil
            return .accepted(VenueOrderAck(venueOrderID: venueOrderID, venueTime: soldAt ?? Date()))
        } catch {
            return Self.outcome(error, call: "sell")
        }
    }

    /// `cancel`: undoes a multiplier bought with deal cancellation, inside its window (the stake is refunded).
    public func cancel(venueOrderID: String, idempotencyKey: String?) async -> VenueOrderOutcome {
        guard let contractID = Int(venueOrderID), contractID > 0 else {
            return .rejected(.venue("invalid_order_id", "Deriv contract ids are positive integers"))
        }
        do {
            _ = try await self.session.call(["cancel": .number(Decimal(contractID))], group: .general, scope: .trade)
            return .accepted(VenueOrderAck(venueOrderID: venueOrderID, venueTime: Date()))
        } catch {
            return Self.outcome(error, call: "cancel")
        }
    }

    /// `portfolio`: the open contracts. Quantity is the stake (`buy_price`); the portfolio carries no entry spot, so
    /// `price` is 0.
    public func openOrders() async throws(VenueError) -> [VenueOpenOrder] {
        let frame = try await self.read(["portfolio": .number(1)], group: .portfolio, call: "portfolio")
        guard case .array(let contracts)? = frame.payload?[member: "contracts"] else {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "portfolio without contracts")
        }
        return contracts.compactMap { contract in
            guard let id = contract[member: "contract_id"]?.integerValue else { return nil }
            return VenueOpenOrder(
                venueOrderID: String(id), symbol: contract[member: "symbol"]?.stringValue ?? "",
                side: contract[member: "contract_type"]?.stringValue.flatMap(DerivContractParameters.side(of:)),
                quantity: contract[member: "buy_price"]?.decimalValue ?? 0, price: 0,
                openedAt: contract[member: "purchase_time"]?.integerValue.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    /// `portfolio` matched by underlying, direction (from the contract type), stake (`buy_price`) and purchase time;
    /// the one match's entry spot is read with `proposal_open_contract`. A contract that was sold or expired again
    /// is no longer in the portfolio, so it is not found.
    public func findOrder(_ search: VenueOrderSearch) async throws(VenueError) -> VenueOrderSearchResult {
        let contracts = try await self.openOrders()
        let result = Self.match(search, among: contracts, check: "deriv.portfolio", observedAt: Date())
        guard case .found(var ack, let evidence) = result, let id = Int(ack.venueOrderID) else { return result }
        ack.averagePrice = await self.entrySpot(id)
        return .found(ack, evidence)
    }

    /// `balance` of the authorized account.
    public func balance() async throws(VenueError) -> Decimal {
        let frame = try await self.read(["balance": .number(1)], group: .balance, call: "balance")
        guard let balance = frame.payload?[member: "balance"]?.decimalValue else {
            throw VenueError(.invalidResponse, venue: self.venueID, reason: "balance without an amount")
        }
        return balance
    }

    // MARK: - Quotes

    public func marketEvents(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        self.session.events(for: symbols)
    }

    // MARK: - Plumbing

    /// The entry spot of a contract just bought, when the token may read contracts and the venue names it.
    private func entrySpot(_ contractID: Int) async -> Decimal? {
        let request: [String: JSONValue] = ["proposal_open_contract": .number(1), "contract_id": .number(Decimal(contractID))]
        guard let frame = try? await self.session.call(request, group: .trade, scope: .read), let contract = frame.payload else {
            return nil
        }
        return contract[member: "entry_spot"]?.decimalValue ?? contract[member: "entry_tick"]?.decimalValue
    }

    private func read(_ request: [String: JSONValue], group: DerivSession.Group, call: String) async throws(VenueError) -> DerivFrame {
        do {
            return try await self.session.call(request, group: group, scope: .read)
        } catch {
            throw self.venueError(error, call: call)
        }
    }

    func venueError(_ failure: DerivCallFailure, call: String) -> VenueError {
        switch failure {
        case .notSent(let why):
            return VenueError(.unreachable, venue: self.venueID, reason: "\(call) not sent: \(why)")
        case .noAnswer(let why):
            return VenueError(.timeout, venue: self.venueID, reason: "\(call): \(why)")
        case .refused(let error):
            let reason = DerivErrorMapping.reason(error, call: call)
            let code: VenueError.Code =
                switch reason.code {
                case "unauthorized", "permission_denied": .unauthorized
                case "rate_limited": .rateLimited
                default: .rejected
                }
            return VenueError(code, venue: self.venueID, reason: "\(reason.message) [\(error.code)]")
        }
    }

    /// The outcome of a failed call; `certain` for calls that cannot trade (a proposal only quotes).
    static func outcome(_ failure: DerivCallFailure, call: String, certain: Bool = false) -> VenueOrderOutcome {
        let outcome: VenueOrderOutcome =
            switch failure {
            case .notSent(let why): .rejected(.venue("venue_unreachable", "\(call) not sent: \(why)"))
            case .noAnswer(let why): .unknown(.venue("no_answer", "\(call) sent, outcome unknown: \(why)"))
            case .refused(let error): DerivErrorMapping.outcome(error, call: call)
            }
        if certain, case .unknown(let reason) = outcome { return .rejected(reason) }
        return outcome
    }
}
