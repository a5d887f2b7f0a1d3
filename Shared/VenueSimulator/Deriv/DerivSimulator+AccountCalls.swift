import Foundation
import Synchronization

extension DerivSimulator {
    /// `authorize`: the configured token gets scopes `read`, `trade` and `trading_information`, the read-only token
    /// `read`; any other token is `InvalidToken` and leaves the session's authorization as it was (simulator choice,
    /// unverified). Authorizing again replaces the authorization; `tokens` and `add_to_login_history` are accepted
    /// and ignored.
    func authorize(_ request: DerivRequest, session: DerivSession) -> WebSocketAnswer {
        let token = request["authorize"]?.stringValue ?? ""
        let scopes: [DerivScope]
        if Self.same(token, self.configuration.token) {
            scopes = [.read, .trade, .tradingInformation]
        } else if Self.same(token, self.configuration.readOnlyToken) {
            scopes = [.read]
        } else {
            return .failure(request, .authorize, .invalidToken)
        }
        self.connections.setAuthorization(.active(scopes: scopes), of: session.id)
        let balance = self.withCurrentBook { $0.balance }
        let payload = DerivPayloads.authorize(balance: balance, scopes: scopes)
        return .ok(DerivEnvelope.success(request, "authorize", payload))
    }

    /// Compares without stopping at the first difference.
    private static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// `balance`: `account` may be `current`, `all` or the account's own login id (another login id is
    /// `PermissionDenied`, simulator choice); `subscribe: 1` starts a stream that pushes the balance after every
    /// change (checked once per price step, so two changes within one step push once). A second balance stream on
    /// one connection is `AlreadySubscribed`.
    func balance(_ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        let account = request["account"]?.stringValue ?? "current"
        guard ["current", "all", Self.loginID].contains(account) else {
            let failure = DerivFailure(
                code: "PermissionDenied", message: "Permission denied, account \(account) is not yours.")
            return .failure(request, .balance, failure)
        }
        let subscribe = request["subscribe"]?.int64Value == 1
        if subscribe, session.streams.contains(where: { $0.type == "balance" }) {
            return .failure(request, .balance, .alreadySubscribed("balance"))
        }
        let (balance, version) = self.withCurrentBook { ($0.balance, $0.balanceVersion) }
        var id: String?
        if subscribe {
            let stream = DerivStream(id: DerivStream.makeID(), kind: .balance(version: version), request: request)
            session.streams.append(stream)
            id = stream.id
        }
        let payload = DerivPayloads.balance(balance, id: id, all: account == "all")
        return .ok(DerivEnvelope.success(request, "balance", payload, subscription: id))
    }

    /// `portfolio`: the open contracts, oldest first, filtered by `contract_type` when given.
    func portfolio(_ request: DerivRequest, session: DerivSession) -> WebSocketAnswer {
        var types: Set<String>?
        if case .array(let values) = request["contract_type"] { types = Set(values.compactMap(\.stringValue)) }
        let contracts = self.withCurrentBook { $0.openContracts }
            .filter { types?.contains($0.spec.type.rawValue) ?? true }
        let payload = ExactJSON.object([("contracts", .array(contracts.map(DerivPayloads.portfolioItem)))])
        return .ok(DerivEnvelope.success(request, "portfolio", payload))
    }

    /// `ticks` (one symbol or an array; ticks always subscribe): one answer per symbol at once with the current
    /// tick and its own stream id, then one tick per price step per symbol. An unknown symbol is `InvalidSymbol`, a
    /// symbol this connection already streams (or named twice) `AlreadySubscribed`, an empty array
    /// `InputValidationFailed`; a refused request starts no stream.
    func ticks(_ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        var names: [String] = []
        switch request["ticks"] {
        case .string(let name): names = [name]
        case .array(let values): names = values.compactMap(\.stringValue)
        default: break
        }
        guard !names.isEmpty else {
            let failure = DerivFailure.inputValidation(field: "ticks", reason: "At least one symbol is required.")
            return .failure(request, .ticks, failure)
        }
        var symbols: [DerivSymbol] = []
        for name in names {
            guard let symbol = DerivSymbol.named(name) else { return .failure(request, .ticks, .invalidSymbol(name)) }
            guard session.tickStream(of: name) == nil, !symbols.contains(where: { $0.symbol == name }) else {
                return .failure(request, .ticks, .alreadySubscribed(name))
            }
            symbols.append(symbol)
        }
        var frames: [String] = []
        for symbol in symbols {
            let stream = DerivStream(id: DerivStream.makeID(), kind: .ticks(symbol), request: request)
            session.streams.append(stream)
            let tick = DerivPayloads.tick(self.market.quote(symbol), id: stream.id)
            frames.append(DerivEnvelope.success(request, "tick", tick, subscription: stream.id))
        }
        return .ok(frames)
    }

    /// `forget`: 1 when it stopped a stream of this connection, else 0. Nothing is pushed for that stream after the
    /// answer. Forgetting a proposal stream leaves its proposal id buyable until it expires.
    func forget(_ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        let id = request["forget"]?.stringValue ?? ""
        let before = session.streams.count
        session.streams.removeAll { $0.id == id }
        let stopped = session.streams.count < before
        return .ok(DerivEnvelope.success(request, "forget", .int(stopped ? 1 : 0)))
    }

    /// `forget_all`: stops this connection's streams of the given types (`ticks`, `proposal`,
    /// `proposal_open_contract`, `balance`; the other types have no streams here) and answers their ids.
    func forgetAll(_ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        var types: Set<String> = []
        switch request["forget_all"] {
        case .string(let type): types = [type]
        case .array(let values): types = Set(values.compactMap(\.stringValue))
        default: break
        }
        let stopped = session.streams.filter { types.contains($0.type) }.map(\.id)
        session.streams.removeAll { types.contains($0.type) }
        return .ok(DerivEnvelope.success(request, "forget_all", .array(stopped.map(ExactJSON.string))))
    }

    /// `active_symbols`: the six symbols (every filter is accepted and ignored, simulator choice), all open
    /// (`exchange_is_open` 1) and tradable.
    func activeSymbols(_ request: DerivRequest) -> WebSocketAnswer {
        let full = request["active_symbols"]?.stringValue == "full"
        let items = DerivSymbol.all.enumerated().map { index, symbol in
            DerivPayloads.activeSymbol(self.market.quote(symbol), order: index + 1, full: full)
        }
        return .ok(DerivEnvelope.success(request, "active_symbols", .array(items)))
    }

    /// `website_status`: answered once; `subscribe` is accepted and ignored (the status never changes here).
    func websiteStatus(_ request: DerivRequest) -> WebSocketAnswer {
        let payload = DerivPayloads.websiteStatus(callsPerMinute: self.configuration.callsPerMinute)
        return .ok(DerivEnvelope.success(request, "website_status", payload))
    }
}
