import Foundation
import Synchronization

extension CTraderSimulator {
    /// 2112 AssetListReq → 2113 `{ctidTraderAccountId, asset: [{assetId, name, displayName, digits}]}`.
    func assets(_ call: CTraderCall) -> WebSocketAnswer {
        call.answer(
            CTraderPayloadType.assetListRes,
            [
                ("ctidTraderAccountId", .int(call.account ?? self.configuration.accountId)),
                ("asset", .array(CTraderAsset.all.map(CTraderPayloads.asset))),
            ])
    }

    /// 2114 SymbolsListReq → 2115 `{ctidTraderAccountId, symbol: [light symbols], archivedSymbol: []}`.
    func symbolsList(_ call: CTraderCall) -> WebSocketAnswer {
        call.answer(
            CTraderPayloadType.symbolsListRes,
            [
                ("ctidTraderAccountId", .int(call.account ?? self.configuration.accountId)),
                ("symbol", .array(CTraderSymbol.all.map(CTraderPayloads.lightSymbol))), ("archivedSymbol", .array([])),
            ])
    }

    /// 2116 SymbolByIdReq → 2117 `{ctidTraderAccountId, symbol: [full symbols], archivedSymbol: []}`, in the order
    /// requested; unknown (and repeated) ids are skipped.
    func symbolsByID(_ call: CTraderCall) -> WebSocketAnswer {
        var seen: Set<Int64> = []
        let symbols = call.payload.int64List("symbolId").compactMap { id -> CTraderSymbol? in
            guard seen.insert(id).inserted else { return nil }
            return CTraderSymbol.byID(id)
        }
        return call.answer(
            CTraderPayloadType.symbolByIdRes,
            [
                ("ctidTraderAccountId", .int(call.account ?? self.configuration.accountId)),
                ("symbol", .array(symbols.map(CTraderPayloads.symbol))), ("archivedSymbol", .array([])),
            ])
    }

    /// 2127 SubscribeSpotsReq → 2128 `{ctidTraderAccountId}`, followed at once by one 2131 per symbol with both
    /// sides; later 2131s come once per price step when the quote changed (see `pushSpots`). `timestamp` is included
    /// when `subscribeToSpotTimestamp` is true. Refusals, all-or-nothing (simulator choices, unverified): an empty
    /// `symbolId` is 2142 `INVALID_REQUEST`; an unknown symbol 2142 `SYMBOL_NOT_FOUND`; a symbol already subscribed
    /// (or repeated in the request) 2142 `ALREADY_SUBSCRIBED`.
    func subscribeSpots(_ call: CTraderCall, session: inout CTraderSession) -> WebSocketAnswer {
        let account = call.account ?? self.configuration.accountId
        let ids = call.payload.int64List("symbolId")
        guard !ids.isEmpty else { return call.error("INVALID_REQUEST", "Field 'symbolId' must not be empty") }
        if let unknown = ids.first(where: { CTraderSymbol.byID($0) == nil }) {
            return call.error("SYMBOL_NOT_FOUND", "Symbol \(unknown) not found")
        }
        var seen: Set<Int64> = []
        for id in ids where !seen.insert(id).inserted || session.spotIndex(account: account, symbolID: id) != nil {
            return call.error("ALREADY_SUBSCRIBED", "Already subscribed to spots of symbol \(id)")
        }
        var frames = [
            CTraderEnvelope.frame(
                CTraderPayloadType.subscribeSpotsRes, [("ctidTraderAccountId", .int(account))],
                clientMsgID: call.clientMsgID)
        ]
        let withTimestamp = call.payload.bool("subscribeToSpotTimestamp") ?? false
        for id in ids {
            var subscription = CTraderSpotSubscription(account: account, symbolID: id, withTimestamp: withTimestamp)
            if let first = self.spotEvent(&subscription, first: true) { frames.append(first) }
            session.spots.append(subscription)
        }
        self.connections.setSpotSubscriptions(session.spots.count, of: session.id)
        return .ok(frames)
    }

    /// 2129 UnsubscribeSpotsReq → 2130 `{ctidTraderAccountId}`; no 2131 of those symbols follows. An empty
    /// `symbolId` is 2142 `INVALID_REQUEST`; a symbol not subscribed 2142 `NOT_SUBSCRIBED_TO_SPOTS` (nothing changes).
    func unsubscribeSpots(_ call: CTraderCall, session: inout CTraderSession) -> WebSocketAnswer {
        let account = call.account ?? self.configuration.accountId
        let ids = call.payload.int64List("symbolId")
        guard !ids.isEmpty else { return call.error("INVALID_REQUEST", "Field 'symbolId' must not be empty") }
        if let missing = ids.first(where: { session.spotIndex(account: account, symbolID: $0) == nil }) {
            return call.error("NOT_SUBSCRIBED_TO_SPOTS", "Not subscribed to spots of symbol \(missing)")
        }
        session.spots.removeAll { $0.account == account && ids.contains($0.symbolID) }
        self.connections.setSpotSubscriptions(session.spots.count, of: session.id)
        return call.answer(CTraderPayloadType.unsubscribeSpotsRes, [("ctidTraderAccountId", .int(account))])
    }
}
