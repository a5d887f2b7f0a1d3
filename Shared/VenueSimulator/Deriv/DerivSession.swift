import Foundation

/// One request frame, parsed: its members in order (echoed as `echo_req`), and the call it names.
struct DerivRequest: Sendable {
    let members: [(String, ExactJSON)]
    /// The first key naming a known call, if any.
    let call: DerivCall?

    init(members: [(String, ExactJSON)]) {
        self.members = members
        self.call = DerivCall.of(members)
    }

    /// The request as received.
    var object: ExactJSON { .object(self.members) }

    /// The member `key` (the last one when repeated).
    subscript(key: String) -> ExactJSON? {
        self.object[key]
    }

    /// `req_id`, when it is an integer (echoed at top level; otherwise only in `echo_req`).
    var reqID: Int64? { self["req_id"]?.int64Value }

    /// `passthrough`, when it is an object (echoed at top level; otherwise only in `echo_req`).
    var passthrough: ExactJSON? { self["passthrough"].flatMap { $0.members == nil ? nil : $0 } }
}

/// Builds answer frames: `{"echo_req":…,"msg_type":…,"<msg_type>":…,"passthrough"?,"req_id"?,"subscription"?}`
/// and `{"echo_req":…,"error":{…},"msg_type":…,"passthrough"?,"req_id"?}` (protocols.md §4.2). A frame that is
/// not a JSON object, or names no call, is answered with `msg_type` `error` (and `echo_req` `{}` when there is no
/// object to echo).
enum DerivEnvelope {
    static func success(
        _ request: DerivRequest, _ messageType: String, _ payload: ExactJSON, subscription: String? = nil
    ) -> String {
        var members: [(String, ExactJSON)] = [
            ("echo_req", request.object), ("msg_type", .string(messageType)), (messageType, payload),
        ]
        Self.appendEchoes(request, to: &members)
        if let subscription { members.append(("subscription", .object([("id", .string(subscription))]))) }
        return ExactJSON.object(members).text
    }

    static func failure(_ request: DerivRequest?, _ messageType: String, _ failure: DerivFailure) -> String {
        var members: [(String, ExactJSON)] = [
            ("echo_req", request?.object ?? .object([])), ("error", failure.json), ("msg_type", .string(messageType)),
        ]
        if let request { Self.appendEchoes(request, to: &members) }
        return ExactJSON.object(members).text
    }

    private static func appendEchoes(_ request: DerivRequest, to members: inout [(String, ExactJSON)]) {
        if let passthrough = request.passthrough { members.append(("passthrough", passthrough)) }
        if let reqID = request.reqID { members.append(("req_id", .int(reqID))) }
    }
}

/// A stream of one connection (a subscription), stopped by `forget` (its id) or `forget_all` (its type).
struct DerivStream: Sendable {
    enum Kind: Sendable {
        /// Ticks of one symbol.
        case ticks(DerivSymbol)
        /// A proposal repriced every price step; its id is the proposal id.
        case proposal(DerivContractSpec)
        /// Updates of one contract until it is finished; `messageType` is always `proposal_open_contract`.
        case contract(Int64)
        /// Balance updates; `version` is the book's balance version last pushed.
        case balance(version: Int)
    }

    /// The stream id (a UUID, lower case: matches `^[\w-]{32,128}$`).
    let id: String
    var kind: Kind
    /// The request that started it (its `echo_req`, `req_id` and `passthrough` are repeated on every push).
    let request: DerivRequest

    /// The `forget_all` type that stops it.
    var type: String {
        switch self.kind {
        case .ticks: "ticks"
        case .proposal: "proposal"
        case .contract: "proposal_open_contract"
        case .balance: "balance"
        }
    }

    /// A fresh stream id.
    static func makeID() -> String {
        UUID().uuidString.lowercased()
    }
}

/// The state of one connection, owned by its connection loop.
struct DerivSession: Sendable {
    /// The connection's id in ``DerivConnections``.
    let id: Int
    /// The `app_id` of the endpoint URL, or `nil` when it was missing or not a positive integer.
    let appID: Int64?
    var lastReceived = ContinuousClock.now
    /// When the stream pushes of the next price step are due.
    var pushes: RecurringDeadline
    /// Open streams, in creation order.
    var streams: [DerivStream] = []

    init(id: Int, appID: Int64?, tickInterval: Duration) {
        (self.id, self.appID) = (id, appID)
        self.pushes = RecurringDeadline(every: tickInterval)
    }

    /// The stream whose symbol is `symbol`, if this connection streams its ticks.
    func tickStream(of symbol: String) -> DerivStream? {
        self.streams.first { if case .ticks(let subscribed) = $0.kind { subscribed.symbol == symbol } else { false } }
    }
}
