import Foundation
import Synchronization

extension WebSocketAnswer {
    /// The error answer `failure` of `call`.
    static func failure(_ request: DerivRequest, _ call: DerivCall, _ failure: DerivFailure) -> WebSocketAnswer {
        .failed(DerivEnvelope.failure(request, call.messageType, failure))
    }
}

extension DerivSimulator {
    /// Answers one request frame, in this order (simulator choices, unverified, where protocols.md §4 is silent):
    ///
    /// 1. Not JSON, or not an object: `InputValidationFailed`, `msg_type` `error`, `echo_req` `{}`.
    /// 2. No key naming a known call: `UnrecognisedRequest`, `msg_type` `error`. The call is the first key of the
    ///    object that names one.
    /// 3. Faults (only for frames naming a call): the latency, then a drop (the connection is closed, nothing is
    ///    executed) or an injected `InternalServerError` (nothing is executed).
    /// 4. `InvalidAppID` when the endpoint URL had no positive integer `app_id`.
    /// 5. `InputValidationFailed` for anything the call's `send.json` forbids; `details` names the field (dotted for
    ///    nested members, `parameters.amount`).
    /// 6. Authorization for calls that need it: `AuthorizationRequired` before `authorize`, `InvalidToken` once
    ///    (then the session is unauthorized) after `expireTokens`, `PermissionDenied` without a required scope.
    /// 7. `RateLimit` for `buy`, `sell`, `proposal` and `proposal_open_contract` over `callsPerMinute` in the last
    ///    60 s, per account (an unauthorized connection's `proposal` calls count per connection). Only calls that
    ///    passed 1–6 are counted; a refused call is not executed.
    /// 8. The call itself.
    ///
    /// Each frame naming a call is logged as `WS /websockets/v3/<call>`; the others as `WS /websockets/v3/error`.
    /// The status is 200 for an answer, 400 for an error answer, 500 for an injected error and 0 when nothing was
    /// sent (dropped, or withheld by `hangOrders`).
    func respond(to text: String, session: inout DerivSession) async -> WebSocketReply {
        guard let value = try? ExactJSON.parse(text), let members = value.members else {
            let ticket = self.requestLog.begin(method: "WS", path: Self.endpointPath + "/error", query: nil)
            self.requestLog.complete(ticket, status: 400)
            return .frames([DerivEnvelope.failure(nil, "error", .malformed)])
        }
        let request = DerivRequest(members: members)
        guard let call = request.call else {
            let ticket = self.requestLog.begin(method: "WS", path: Self.endpointPath + "/error", query: nil)
            self.requestLog.complete(ticket, status: 400)
            return .frames([DerivEnvelope.failure(request, "error", .unrecognised)])
        }
        let ticket = self.requestLog.begin(method: "WS", path: Self.endpointPath + "/" + call.rawValue, query: nil)
        return await self.faults.reply(logging: ticket, in: self.requestLog) {
            DerivEnvelope.failure(request, call.messageType, .internalServerError)
        } proceed: {
            self.admit(call, request, session: &session)
        }
    }

    /// Steps 4–8 of ``respond(to:session:)``.
    private func admit(_ call: DerivCall, _ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        guard session.appID != nil else { return .failure(request, call, .invalidAppID) }
        if let problem = call.schema.violation(of: request.object) {
            return .failure(request, call, .inputValidation(field: problem.field, reason: problem.reason))
        }
        var isAuthorized = false
        switch self.connections.authorization(of: session.id) {
        case .active(let scopes):
            isAuthorized = true
            if let required = call.requiredScopes, !required.contains(where: scopes.contains) {
                return .failure(request, call, .permissionDenied(required))
            }
        case .expired where call.requiredScopes != nil:
            self.connections.setAuthorization(.none, of: session.id)
            return .failure(request, call, .invalidToken)
        case .none, .expired:
            if call.requiredScopes != nil { return .failure(request, call, .authorizationRequired) }
        }
        if call.isRateLimited {
            let key = isAuthorized ? Self.loginID : "connection-\(session.id)"
            let limit = self.configuration.callsPerMinute
            guard self.book.withLock({ $0.admit(key, limit: limit, now: .now) }) else {
                return .failure(request, call, .rateLimit(call))
            }
        }
        let answer = self.execute(call, request, session: &session)
        self.connections.setStreamCount(session.streams.count, of: session.id)
        return answer
    }

    private func execute(_ call: DerivCall, _ request: DerivRequest, session: inout DerivSession) -> WebSocketAnswer {
        switch call {
        case .authorize: self.authorize(request, session: session)
        case .ping: .ok(DerivEnvelope.success(request, "ping", .string("pong")))
        case .time: .ok(DerivEnvelope.success(request, "time", .int(Date().epochSeconds)))
        case .ticks: self.ticks(request, session: &session)
        case .forget: self.forget(request, session: &session)
        case .forgetAll: self.forgetAll(request, session: &session)
        case .balance: self.balance(request, session: &session)
        case .portfolio: self.portfolio(request, session: session)
        case .proposal: self.proposal(request, session: &session)
        case .buy: self.buy(request, session: &session)
        case .sell: self.sell(request)
        case .proposalOpenContract: self.openContracts(request, session: &session)
        case .cancel: self.cancel(request)
        case .contractUpdate: self.updateContract(request)
        case .activeSymbols: self.activeSymbols(request)
        case .websiteStatus: self.websiteStatus(request)
        }
    }
}
