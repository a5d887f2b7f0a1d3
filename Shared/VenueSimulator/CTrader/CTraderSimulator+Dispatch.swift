import Foundation

/// One admitted request: its `clientMsgId`, validated payload and (for account-scoped messages) the account.
struct CTraderCall: Sendable {
    var payloadType: Int64
    var clientMsgID: String?
    var payload: CTraderPayload
    /// The payload's `ctidTraderAccountId`, when it has a valid one.
    var account: Int64?

    /// A response frame echoing the request's `clientMsgId`.
    func answer(_ payloadType: Int64, _ payload: [(String, OrderedJSON)]) -> WebSocketAnswer {
        .ok([CTraderEnvelope.frame(payloadType, payload, clientMsgID: self.clientMsgID)])
    }

    /// A 2142 answer (with `ctidTraderAccountId` when the request named one).
    func error(_ code: String, _ description: String, retryAfter: Int64? = nil) -> WebSocketAnswer {
        .failed(
            CTraderEnvelope.oaError(
                code, description, account: self.account, retryAfter: retryAfter, clientMsgID: self.clientMsgID))
    }
}

extension CTraderSimulator {
    /// Payload types served before application auth (protocols.md §5.1 is truncated; the task's list, with 51).
    static let publicPayloadTypes: Set<Int64> = [CTraderPayloadType.applicationAuthReq, CTraderPayloadType.versionReq]

    /// Answers one frame, in this order (simulator choices, unverified, where protocols.md §5 is silent):
    ///
    /// 1. Not a JSON object, or a bad envelope (`payloadType` missing or not an integer, `clientMsgId` not a string,
    ///    `payload` not an object): 50 `INVALID_REQUEST`. Logged as `WS /error`.
    /// 2. A heartbeat (51): no answer; not logged, not rate-limited, no faults.
    /// 3. The rate limit: more than `requestsPerSecond` request frames in the last second on this connection → 2142
    ///    `REQUEST_FREQUENCY_EXCEEDED` with `retryAfter` (seconds); the request is not executed and not counted.
    /// 4. Faults: the latency, then a drop (the connection is closed, nothing is executed) or an injected 50
    ///    `UNKNOWN_ERROR` (nothing is executed).
    /// 5. A payload type the venue does not serve (see ``CTraderRequestSchema/all``): 50 `UNSUPPORTED_MESSAGE`.
    /// 6. Before application auth, anything but 2100 and 2104: 2142 `CH_CLIENT_NOT_AUTHENTICATED`.
    /// 7. The payload against the message's fields: 2142 `INVALID_REQUEST` naming the field.
    /// 8. Account-scoped messages (those with `ctidTraderAccountId`, 2102 excepted) for an account not authorized on
    ///    this connection, or authorized with a token that is no longer valid: 2142 `ACCOUNT_NOT_AUTHORIZED`.
    /// 9. The call itself.
    ///
    /// Each request frame is logged as `WS /<payloadType>` with status 200 (answered), 400 (error answer), 500
    /// (injected error) or 0 (dropped, or withheld by `hangOrders`).
    func respond(to text: String, session: inout CTraderSession) async -> WebSocketReply {
        let frame: CTraderRequestFrame
        switch CTraderEnvelope.parse(text) {
        case .failure(let error):
            let ticket = self.requestLog.begin(method: "WS", path: "/error", query: nil)
            self.requestLog.complete(ticket, status: 400)
            return .frames([
                CTraderEnvelope.protoError("INVALID_REQUEST", error.description, clientMsgID: error.clientMsgID)
            ])
        case .success(let parsed):
            frame = parsed
        }
        if frame.payloadType == CTraderPayloadType.heartbeat { return .frames([]) }
        let ticket = self.requestLog.begin(method: "WS", path: "/\(frame.payloadType)", query: nil)
        let account = frame.payload.last { $0.0 == "ctidTraderAccountId" }.flatMap { CTraderPayload.int64($0.1) }
        if let retryAfter = session.admit(now: .now, limit: self.configuration.requestsPerSecond) {
            self.connections.countRateLimited()
            self.requestLog.complete(ticket, status: 400)
            let description = "More than \(self.configuration.requestsPerSecond) requests in one second"
            return .frames([
                CTraderEnvelope.oaError(
                    "REQUEST_FREQUENCY_EXCEEDED", description, account: account, retryAfter: retryAfter,
                    clientMsgID: frame.clientMsgID)
            ])
        }
        return await self.faults.reply(logging: ticket, in: self.requestLog) {
            CTraderEnvelope.protoError("UNKNOWN_ERROR", "Internal server error", clientMsgID: frame.clientMsgID)
        } proceed: {
            self.admit(frame, account: account, session: &session)
        }
    }

    /// Steps 5–9 of ``respond(to:session:)``.
    private func admit(
        _ frame: CTraderRequestFrame, account: Int64?, session: inout CTraderSession
    ) -> WebSocketAnswer {
        guard let schema = CTraderRequestSchema.all[frame.payloadType] else {
            return .failed(
                CTraderEnvelope.protoError(
                    "UNSUPPORTED_MESSAGE", "Payload type \(frame.payloadType) is not supported",
                    clientMsgID: frame.clientMsgID))
        }
        var call = CTraderCall(
            payloadType: frame.payloadType, clientMsgID: frame.clientMsgID, payload: CTraderPayload(values: [:]),
            account: account)
        guard
            Self.publicPayloadTypes.contains(frame.payloadType)
                || self.connections.isApplicationAuthenticated(session.id)
        else {
            return call.error("CH_CLIENT_NOT_AUTHENTICATED", "The application is not authenticated: send 2100 first")
        }
        switch schema.validate(frame.payload) {
        case .failure(let problem): return call.error("INVALID_REQUEST", problem.description)
        case .success(let payload): call.payload = payload
        }
        if schema.isAccountScoped, frame.payloadType != CTraderPayloadType.accountAuthReq, let account {
            guard let token = self.connections.token(of: account, on: session.id) else {
                return call.error("ACCOUNT_NOT_AUTHORIZED", "Account \(account) is not authorized on this connection")
            }
            if self.tokens.invalidity(of: token) != nil {
                self.invalidateTokens()
                return call.error("ACCOUNT_NOT_AUTHORIZED", "Account \(account) is not authorized on this connection")
            }
        }
        return self.execute(call, session: &session)
    }

    private func execute(_ call: CTraderCall, session: inout CTraderSession) -> WebSocketAnswer {
        switch call.payloadType {
        case CTraderPayloadType.applicationAuthReq: self.authenticateApplication(call, session: session)
        case CTraderPayloadType.accountAuthReq: self.authorizeAccount(call, session: session)
        case CTraderPayloadType.versionReq:
            call.answer(CTraderPayloadType.versionRes, [("version", .string(Self.version))])
        case CTraderPayloadType.refreshTokenReq: self.refreshToken(call)
        case CTraderPayloadType.accountListByAccessTokenReq: self.accountList(call)
        case CTraderPayloadType.newOrderReq: self.newOrder(call)
        case CTraderPayloadType.cancelOrderReq: self.cancelOrder(call)
        case CTraderPayloadType.closePositionReq: self.closePosition(call)
        case CTraderPayloadType.reconcileReq: self.reconcile(call)
        case CTraderPayloadType.traderReq: self.trader(call)
        case CTraderPayloadType.assetListReq: self.assets(call)
        case CTraderPayloadType.symbolsListReq: self.symbolsList(call)
        case CTraderPayloadType.symbolByIdReq: self.symbolsByID(call)
        case CTraderPayloadType.subscribeSpotsReq: self.subscribeSpots(call, session: &session)
        case CTraderPayloadType.unsubscribeSpotsReq: self.unsubscribeSpots(call, session: &session)
        default:
            .failed(
                CTraderEnvelope.protoError(
                    "UNSUPPORTED_MESSAGE", "Payload type \(call.payloadType) is not supported",
                    clientMsgID: call.clientMsgID))
        }
    }
}
