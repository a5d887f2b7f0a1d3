/// An error answer of the Deriv face: `{"error":{"code","message"[,"details"]}, …}` (protocols.md §4.2).
///
/// The codes are the task's list; which situation maps to which code where the sources are silent is a simulator
/// choice (unverified), documented at each constructor.
struct DerivFailure: Sendable, Error {
    var code: String
    var message: String
    /// Field-level detail (`error.details`), for `InputValidationFailed`.
    var details: [(String, String)] = []

    /// A request that breaks its call's `send.json`; `details` names the field.
    static func inputValidation(field: String, reason: String) -> DerivFailure {
        let name = field.isEmpty ? "request" : field
        return DerivFailure(
            code: "InputValidationFailed", message: "Input validation failed: \(name)", details: [(name, reason)])
    }

    /// A frame that is not a JSON object.
    static let malformed = DerivFailure(
        code: "InputValidationFailed", message: "Input validation failed: the frame is not a JSON object",
        details: [("request", "Expected a JSON object.")])

    /// An object naming no known call.
    static let unrecognised = DerivFailure(code: "UnrecognisedRequest", message: "Unrecognised request")

    /// The connection's `app_id` is missing or not a positive integer.
    static let invalidAppID = DerivFailure(code: "InvalidAppID", message: "Your app_id is invalid.")

    /// `authorize` with an unknown token, or an authenticated call after the session's authorization was expired.
    static let invalidToken = DerivFailure(code: "InvalidToken", message: "The token is invalid.")

    /// An authenticated call before `authorize`.
    static let authorizationRequired = DerivFailure(code: "AuthorizationRequired", message: "Please log in.")

    /// The token lacks every scope the call accepts.
    static func permissionDenied(_ scopes: [DerivScope]) -> DerivFailure {
        let names = scopes.map(\.rawValue).joined(separator: " or ")
        return DerivFailure(code: "PermissionDenied", message: "Permission denied, requires \(names) scope(s).")
    }

    /// Over the `callsPerMinute` budget.
    static func rateLimit(_ call: DerivCall) -> DerivFailure {
        DerivFailure(code: "RateLimit", message: "You have reached the rate limit for \(call.rawValue).")
    }

    /// An injected error (the `errorRate` fault).
    static let internalServerError = DerivFailure(
        code: "InternalServerError", message: "Sorry, an error occurred while processing your request.")

    /// Bad contract parameters (`proposal`, `buy`).
    static func contractBuyValidation(_ message: String) -> DerivFailure {
        DerivFailure(code: "ContractBuyValidationError", message: message)
    }

    /// The buy costs more than the balance.
    static func insufficientBalance(balance: String, price: String) -> DerivFailure {
        DerivFailure(
            code: "InsufficientBalance",
            message: "Your account balance (USD\(balance)) is insufficient to buy this contract (USD\(price)).")
    }

    /// `buy.price` below the ask, or `sell.price` above the bid.
    static func priceMoved(_ message: String) -> DerivFailure {
        DerivFailure(code: "PriceMoved", message: message)
    }

    /// `buy` with an unknown, expired or already used proposal id.
    static let invalidProposal = DerivFailure(
        code: "InvalidContractProposal", message: "Proposal ID is invalid, expired or already used.")

    /// `sell` of an unknown, not owned or already sold contract, or of a contract that cannot be resold.
    static func invalidSell(_ message: String = "This contract was not found among your open positions.")
        -> DerivFailure
    {
        DerivFailure(code: "InvalidSellContractProposal", message: message)
    }

    /// A refused `cancel` or `contract_update` (simulator choice, unverified: one code for both, with a message that
    /// says why).
    static func invalidUpdate(_ message: String) -> DerivFailure {
        DerivFailure(code: "InvalidContractUpdate", message: message)
    }

    /// A second stream of the same kind on one connection (ticks of one symbol, balance, one contract).
    static func alreadySubscribed(_ what: String) -> DerivFailure {
        DerivFailure(code: "AlreadySubscribed", message: "You are already subscribed to \(what).")
    }

    /// `ticks` of a symbol the venue does not quote (simulator choice, unverified).
    static func invalidSymbol(_ symbol: String) -> DerivFailure {
        DerivFailure(code: "InvalidSymbol", message: "Symbol \(symbol) is invalid.")
    }

    /// The `error` member.
    var json: ExactJSON {
        var members: [(String, ExactJSON)] = [("code", .string(self.code))]
        if !self.details.isEmpty {
            members.append(("details", .object(self.details.map { ($0.0, ExactJSON.string($0.1)) })))
        }
        members.append(("message", .string(self.message)))
        return .object(members)
    }
}
