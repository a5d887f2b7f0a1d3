import Foundation
import Synchronization

extension DerivSimulator {
    /// The messages due on one price step for every stream of `session`, in stream order:
    /// - ticks: the current tick;
    /// - proposal: the proposal repriced at the current quote (its id stays buyable); the stream ends silently once
    ///   the id was bought (or the book was reset);
    /// - contract: the contract's state; after the message showing it finished, the stream ends (it also ends
    ///   silently when the contract is gone after a reset);
    /// - balance: the balance, only when it changed since the last push.
    ///
    /// Stream pushes do not count against the rate limit and are not in the request log.
    func pushStreams(session: inout DerivSession) -> [String] {
        guard !session.streams.isEmpty else { return [] }
        let now = ContinuousClock.now
        let date = Date()
        let lifetime = self.configuration.proposalLifetime
        let contractIDs = Set(session.streams.compactMap { if case .contract(let id) = $0.kind { id } else { nil } })
        let proposalIDs = session.streams.compactMap { if case .proposal = $0.kind { $0.id } else { nil } }
        let (contracts, liveProposals, balance, version) = self.withCurrentBook { book in
            var contracts: [Int64: DerivContract] = [:]
            for id in contractIDs { contracts[id] = book.contract(id) }
            var live: Set<String> = []
            for id in proposalIDs {
                guard var proposal = book.proposal(id, now: now) else { continue }
                proposal.expiresAt = now + lifetime
                book.store(proposal, id: id, now: now)
                live.insert(id)
            }
            return (contracts, live, book.balance, book.balanceVersion)
        }
        var frames: [String] = []
        var kept: [DerivStream] = []
        for var stream in session.streams {
            switch stream.kind {
            case .ticks(let symbol):
                let tick = DerivPayloads.tick(self.market.quote(symbol, now: date), id: stream.id)
                frames.append(DerivEnvelope.success(stream.request, "tick", tick, subscription: stream.id))
                kept.append(stream)
            case .proposal(let spec):
                guard liveProposals.contains(stream.id) else { continue }
                let payload = DerivPayloads.proposal(
                    spec, id: stream.id, quote: self.market.quote(spec.symbol, now: date),
                    tickInterval: self.tickInterval)
                frames.append(DerivEnvelope.success(stream.request, "proposal", payload, subscription: stream.id))
                kept.append(stream)
            case .contract(let id):
                guard let contract = contracts[id] else { continue }
                let payload = DerivPayloads.openContract(contract, streamID: stream.id, now: date)
                frames.append(
                    DerivEnvelope.success(stream.request, "proposal_open_contract", payload, subscription: stream.id))
                if contract.isOpen { kept.append(stream) }
            case .balance(let pushed):
                if pushed != version {
                    let all = stream.request["account"]?.stringValue == "all"
                    let payload = DerivPayloads.balance(balance, id: stream.id, all: all)
                    frames.append(DerivEnvelope.success(stream.request, "balance", payload, subscription: stream.id))
                    stream.kind = .balance(version: version)
                }
                kept.append(stream)
            }
        }
        if kept.count != session.streams.count {
            self.connections.setStreamCount(kept.count, of: session.id)
        }
        session.streams = kept
        return frames
    }
}
