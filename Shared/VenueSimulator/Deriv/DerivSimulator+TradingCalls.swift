import Foundation
import Logging
import Synchronization

extension DerivSimulator {
    /// `proposal`: prices the contract (see ``DerivContractSpec``) and answers a fresh proposal id (a UUID), buyable
    /// once within ``DerivSimulatorConfiguration/proposalLifetime``. With `subscribe: 1` the proposal is repriced and
    /// pushed every price step under the same id (which stays buyable while streamed); the stream ends when the id
    /// is bought or forgotten.
    func proposal(_ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        let spec: DerivContractSpec
        switch DerivContractSpec.parse(request.object) {
        case .success(let parsed): spec = parsed
        case .failure(let failure): return .failure(request, .proposal, failure)
        }
        let id = DerivStream.makeID()
        let proposal = DerivProposal(spec: spec, expiresAt: .now + self.configuration.proposalLifetime)
        self.book.withLock { $0.store(proposal, id: id, now: .now) }
        let subscribe = request["subscribe"]?.int64Value == 1
        if subscribe { session.streams.append(DerivStream(id: id, kind: .proposal(spec), request: request)) }
        let payload = DerivPayloads.proposal(
            spec, id: id, quote: self.market.quote(spec.symbol), tickInterval: self.tickInterval)
        return .ok(DerivEnvelope.success(request, "proposal", payload, subscription: subscribe ? id : nil))
    }

    /// `buy`, with a proposal id (its `parameters`, if any, are ignored) or with `"1"` and `parameters` (priced as a
    /// proposal). Refusals: `ContractBuyValidationError` (bad parameters, or `"1"` without them),
    /// `InvalidContractProposal` (unknown, expired or used id), `PriceMoved` (`price` below the ask),
    /// `InsufficientBalance`. A refused buy leaves the proposal buyable. The contract starts at the current quote;
    /// the balance falls by the buy price.
    ///
    /// With `subscribe: 1` the answer carries a `subscription` whose id then streams `proposal_open_contract`
    /// messages (one at once, one per price step, a last one when the contract is finished). With `hangOrders` the
    /// contract is bought but nothing is answered (and no stream starts); the connection stays open.
    func buy(_ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        let maximumPrice = request["price"]?.decimalValue ?? 0
        let target = request["buy"]?.stringValue ?? ""
        var fixedSpec: DerivContractSpec?
        if target == "1" {
            guard let parameters = request["parameters"] else {
                return .failure(
                    request, .buy, .contractBuyValidation("Please specify the contract parameters to buy with \"1\"."))
            }
            switch DerivContractSpec.parse(parameters) {
            case .success(let parsed): fixedSpec = parsed
            case .failure(let failure): return .failure(request, .buy, failure)
            }
        }
        let withhold = self.faults.settings.hangOrders
        let (tickInterval, appID) = (self.tickInterval, session.appID)
        let result = self.withCurrentBook { book -> Result<(DerivContract, Decimal), DerivFailure> in
            let now = ContinuousClock.now
            guard let spec = fixedSpec ?? book.proposal(target, now: now)?.spec else {
                return .failure(.invalidProposal)
            }
            let quote = self.market.quote(spec.symbol)
            switch book.buy(
                spec, maximumPrice: maximumPrice, quote: quote, tickInterval: tickInterval, withheld: withhold,
                appID: appID)
            {
            case .success(let contract):
                if fixedSpec == nil { _ = book.takeProposal(target, now: now) }
                if withhold { book.countWithheld() }
                return .success((contract, book.balance))
            case .failure(let failure):
                return .failure(failure)
            }
        }
        switch result {
        case .failure(let failure):
            return .failure(request, .buy, failure)
        case .success(let (contract, balanceAfter)):
            self.logger.debug(
                "Contract bought", metadata: ["order.ticket": "\(contract.id)", "order.withheld": "\(withhold)"])
            if withhold { return .withheld }
            guard request["subscribe"]?.int64Value == 1 else {
                let payload = DerivPayloads.buy(contract, balanceAfter: balanceAfter)
                return .ok(DerivEnvelope.success(request, "buy", payload))
            }
            let stream = DerivStream(id: DerivStream.makeID(), kind: .contract(contract.id), request: request)
            session.streams.append(stream)
            let bought = DerivEnvelope.success(
                request, "buy", DerivPayloads.buy(contract, balanceAfter: balanceAfter), subscription: stream.id)
            let payload = DerivPayloads.openContract(contract, streamID: stream.id, now: Date())
            let state = DerivEnvelope.success(request, "proposal_open_contract", payload, subscription: stream.id)
            return .ok([bought, state])
        }
    }

    /// `sell` at the current bid when it is at least `price` (0 sells at market). Refusals:
    /// `InvalidSellContractProposal` (unknown, finished, or a CALL/PUT: not resold), `PriceMoved` (`price` above
    /// the bid). With `hangOrders` the contract is sold but nothing is answered.
    func sell(_ request: DerivRequest) -> WebSocketAnswer {
        let id = request["sell"]?.int64Value ?? 0
        let minimumPrice = request["price"]?.decimalValue ?? 0
        let withhold = self.faults.settings.hangOrders
        let result = self.withCurrentBook { book -> Result<(DerivContract, Decimal), DerivFailure> in
            guard let contract = book.contract(id) else { return .failure(.invalidSell()) }
            let quote = self.market.quote(contract.spec.symbol)
            return book.sell(id, minimumPrice: minimumPrice, quote: quote).map { sold in
                if withhold { book.countWithheld() }
                return (sold, book.balance)
            }
        }
        switch result {
        case .failure(let failure): return .failure(request, .sell, failure)
        case .success(let (contract, balanceAfter)):
            if withhold { return .withheld }
            let payload = DerivPayloads.sale(contract, balanceAfter: balanceAfter)
            return .ok(DerivEnvelope.success(request, "sell", payload))
        }
    }

    /// `cancel`: a multiplier bought with `cancellation`, inside its window, is cancelled (status `cancelled`) and
    /// its stake refunded (the cancellation fee is kept). Anything else is `InvalidContractUpdate` with the reason
    /// (simulator choice, unverified).
    func cancel(_ request: DerivRequest) -> WebSocketAnswer {
        let id = request["cancel"]?.int64Value ?? 0
        let result = self.withCurrentBook { book -> Result<(DerivContract, Decimal), DerivFailure> in
            guard let contract = book.contract(id) else {
                return .failure(.invalidUpdate("This contract was not found among your open positions."))
            }
            let quote = self.market.quote(contract.spec.symbol)
            return book.cancel(id, quote: quote).map { ($0, book.balance) }
        }
        switch result {
        case .failure(let failure): return .failure(request, .cancel, failure)
        case .success(let (contract, balanceAfter)):
            let payload = DerivPayloads.sale(contract, balanceAfter: balanceAfter)
            return .ok(DerivEnvelope.success(request, "cancel", payload))
        }
    }

    /// `contract_update`: sets (a number) or removes (`null`) the take profit and stop loss of an open multiplier;
    /// an absent key is left as it is. Refusals are `InvalidContractUpdate` (unknown or finished contract, not a
    /// multiplier, a take profit not above the current profit, a stop loss not below the current loss or above the
    /// stake, a stop loss during deal cancellation).
    func updateContract(_ request: DerivRequest) -> WebSocketAnswer {
        let id = request["contract_id"]?.int64Value ?? 0
        let limits = request["limit_order"]
        func change(_ key: String) -> Decimal?? {
            guard let value = limits?[key] else { return nil }
            if case .null = value { return .some(nil) }
            return .some(value.decimalValue)
        }
        let (takeProfit, stopLoss) = (change("take_profit"), change("stop_loss"))
        let result = self.withCurrentBook { book -> Result<DerivContract, DerivFailure> in
            guard let contract = book.contract(id) else {
                return .failure(.invalidUpdate("This contract was not found among your open positions."))
            }
            let quote = self.market.quote(contract.spec.symbol)
            return book.update(id, takeProfit: takeProfit, stopLoss: stopLoss, quote: quote)
        }
        switch result {
        case .failure(let failure): return .failure(request, .contractUpdate, failure)
        case .success(let contract):
            return .ok(DerivEnvelope.success(request, "contract_update", DerivPayloads.contractUpdate(contract)))
        }
    }

    /// `proposal_open_contract`: with `contract_id`, that contract's state (`{}` when the account has no such
    /// contract, simulator choice); without, one message per open contract (`{}` when there is none). With
    /// `subscribe: 1` each open contract gets its own stream (pushed every price step, a last message when it is
    /// finished); a contract this connection already streams is `AlreadySubscribed` when named, and sent without a
    /// new stream otherwise. Contracts bought later are not added to a subscription without `contract_id`.
    func openContracts(_ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        let subscribe = request["subscribe"]?.int64Value == 1
        let now = Date()
        let contracts: [DerivContract]
        if let id = request["contract_id"]?.int64Value {
            guard let contract = self.withCurrentBook({ $0.contract(id) }) else {
                return .ok(DerivEnvelope.success(request, "proposal_open_contract", .object([])))
            }
            if subscribe, contract.isOpen, session.streams.contains(where: { Self.streams($0, contract: id) }) {
                return .failure(request, .proposalOpenContract, .alreadySubscribed("contract \(id)"))
            }
            contracts = [contract]
        } else {
            contracts = self.withCurrentBook { $0.openContracts }
            if contracts.isEmpty {
                return .ok(DerivEnvelope.success(request, "proposal_open_contract", .object([])))
            }
        }
        var frames: [String] = []
        for contract in contracts {
            var streamID: String?
            let isStreamed = session.streams.contains { Self.streams($0, contract: contract.id) }
            if subscribe, contract.isOpen, !isStreamed {
                let stream = DerivStream(id: DerivStream.makeID(), kind: .contract(contract.id), request: request)
                session.streams.append(stream)
                streamID = stream.id
            }
            let payload = DerivPayloads.openContract(contract, streamID: streamID, now: now)
            frames.append(DerivEnvelope.success(request, "proposal_open_contract", payload, subscription: streamID))
        }
        return .ok(frames)
    }

    private static func streams(_ stream: DerivStream, contract id: Int64) -> Bool {
        if case .contract(let streamed) = stream.kind { streamed == id } else { false }
    }
}
