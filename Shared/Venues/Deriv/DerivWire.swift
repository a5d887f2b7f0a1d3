import Foundation
import Messages
import VenueKit

/// One message from the venue (protocols.md §4.2): `{echo_req, msg_type, req_id?, <msg_type>: payload,
/// subscription?: {id}, error?: {code, message, details?}}`.
struct DerivFrame: Sendable {
    /// The message type (`tick` for the `ticks` call).
    var msgType: String
    /// The request id echoed from the request, when it had one.
    var reqID: Int?
    /// The stream id of a subscribed answer.
    var subscriptionID: String?
    /// The refusal, when the request failed.
    var error: DerivAPIError?
    /// The whole message.
    var members: [String: JSONValue]

    /// The payload under the message type's key.
    var payload: JSONValue? { self.members[self.msgType] }

    /// Parses a text frame. Throws when it is not a JSON object with a `msg_type`.
    init(text: String) throws(DerivWireError) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
            case .object(let members) = value
        else { throw DerivWireError("the frame is not a JSON object") }
        guard case .string(let msgType)? = members["msg_type"] else { throw DerivWireError("the frame has no msg_type") }
        self.msgType = msgType
        self.members = members
        self.reqID = members["req_id"]?.integerValue
        if case .object(let subscription)? = members["subscription"], case .string(let id)? = subscription["id"] {
            self.subscriptionID = id
        }
        if case .object(let error)? = members["error"] {
            self.error = DerivAPIError(
                code: error["code"]?.stringValue ?? "UnknownError", message: error["message"]?.stringValue ?? "no message",
                details: error["details"])
        }
    }
}

/// A frame we could not read.
struct DerivWireError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The venue's error envelope.
struct DerivAPIError: Error, Sendable, Hashable {
    /// The venue's code (`InvalidToken`, `InputValidationFailed`, …).
    var code: String
    /// The venue's message (safe to show: it never contains the token).
    var message: String
    /// Field-level details, when given.
    var details: JSONValue?

    /// The fields named in `details`, for messages.
    var detailFields: String {
        guard case .object(let fields)? = self.details, !fields.isEmpty else { return "" }
        return " (" + fields.keys.sorted().joined(separator: ", ") + ")"
    }
}

/// Maps the venue's error codes onto our reason codes (protocols.md §4.2; codes beyond `InputValidationFailed`,
/// `AuthorizationRequired` and `InvalidToken` are the ones seen in the wild and are unverified).
enum DerivErrorMapping {
    /// Codes after which the call certainly did nothing at the venue. Any other code (`InternalServerError`, codes we
    /// do not know) leaves a trade in doubt.
    static let refusals: [String: String] = [
        "InvalidToken": "unauthorized",
        "AuthorizationRequired": "unauthorized",
        "PermissionDenied": "permission_denied",
        "InputValidationFailed": "invalid_request",
        "UnrecognisedRequest": "invalid_request",
        "InvalidAppID": "invalid_app_id",
        "RateLimit": "rate_limited",
        "InsufficientBalance": "insufficient_funds",
        "ContractBuyValidationError": "invalid_contract",
        "ContractCreationFailure": "invalid_contract",
        "InvalidOfferings": "invalid_contract",
        "OfferingsValidationError": "invalid_contract",
        "InvalidSymbol": "symbol_unknown",
        "MarketIsClosed": "market_closed",
        "PriceMoved": "price_moved",
        "InvalidContractProposal": "invalid_proposal",
        "InvalidSellContractProposal": "contract_not_sellable",
        "ContractNotFound": "order_not_found",
        "InvalidContractId": "order_not_found",
        "CancelFailed": "cancel_refused",
        "InvalidContractUpdate": "cancel_refused",
        "AlreadySubscribed": "already_subscribed",
        "DisabledClient": "account_disabled",
    ]

    /// Our reason for a refusal of `call`; the venue's code travels in `venueCode`.
    static func reason(_ error: DerivAPIError, call: String) -> Reason {
        let code = self.refusals[error.code] ?? "venue_error"
        return .venue(code, "\(call): \(error.message)\(error.detailFields)", venueCode: error.code)
    }

    /// A trade call's outcome for a refusal: certain for the known refusal codes, in doubt otherwise.
    static func outcome(_ error: DerivAPIError, call: String) -> VenueOrderOutcome {
        let reason = self.reason(error, call: call)
        return self.refusals[error.code] == nil ? .unknown(reason) : .rejected(reason)
    }
}
