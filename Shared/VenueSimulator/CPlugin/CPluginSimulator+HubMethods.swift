import Foundation
import Messages

/// A hub method's failure: the text of the completion's `error`.
struct CPluginHubError: Error, Sendable {
    var message: String
}

extension CPluginSimulator {
    /// The hub methods (names case-sensitive, as ASP.NET Core binds them) and their parameter counts.
    static let hubMethods: [String: Int] = ["Connect": 1, "Ping": 1, "SubscribeToTicks": 2, "UnsubscribeFromTicks": 2]

    /// Runs the hub method `target` (`IMT4Hub`, protocols.md §2.6):
    /// - `Connect(tradePlatform)` → `true` for the served platform, `false` for another GUID (the pump of an unknown
    ///   platform is not up);
    /// - `Ping(tradePlatform)` → `null`;
    /// - `SubscribeToTicks(tradePlatform, symbol)` → no result; `onTick` is then pushed for the symbol every tick
    ///   interval (subscribing twice changes nothing);
    /// - `UnsubscribeFromTicks(tradePlatform, symbol)` → no result; the pushes stop.
    ///
    /// Errors, in ASP.NET Core's words: an unknown method is "Unknown hub method '<name>'"; a wrong argument count or
    /// an argument of the wrong type (a platform that is not a GUID string, a symbol that is not a string) is a
    /// binding failure "Failed to invoke '<name>' due to an error on the server. InvalidDataException: …"; an
    /// unknown platform (Ping, Subscribe, Unsubscribe) or symbol is a `HubException` "An unexpected error occurred
    /// invoking '<name>' on the server. HubException: …".
    func invoke(
        _ target: String, arguments: [JSONValue], session: inout CPluginHubSession
    ) -> Result<JSONValue?, CPluginHubError> {
        guard let expected = Self.hubMethods[target] else {
            return .failure(CPluginHubError(message: "Unknown hub method '\(target)'"))
        }
        let binding = "Failed to invoke '\(target)' due to an error on the server. InvalidDataException: "
        guard arguments.count == expected else {
            let message = "Invocation provides \(arguments.count) argument(s) but target expects \(expected)."
            return .failure(CPluginHubError(message: binding + message))
        }
        let bindingFailure = CPluginHubError(
            message: binding + "Error binding arguments. Make sure that the types of the provided values match the "
                + "types of the hub method being invoked.")
        guard case .string(let platformText) = arguments[0], let platform = UUID(uuidString: platformText) else {
            return .failure(bindingFailure)
        }
        let isServedPlatform = platform == UUID(uuidString: self.configuration.tradePlatform)
        if target == "Connect" { return .success(.bool(isServedPlatform)) }
        let hubException = "An unexpected error occurred invoking '\(target)' on the server. HubException: "
        guard isServedPlatform else {
            return .failure(CPluginHubError(message: hubException + "Unknown trade platform '\(platformText)'."))
        }
        if target == "Ping" { return .success(.null) }
        guard case .string(let symbol) = arguments[1] else { return .failure(bindingFailure) }
        guard self.market.symbol(symbol) != nil else {
            return .failure(CPluginHubError(message: hubException + "Unknown symbol '\(symbol)'."))
        }
        if target == "SubscribeToTicks" {
            session.subscriptions.removeAll { $0 == symbol }
            session.subscriptions.append(symbol)
        } else {
            session.subscriptions.removeAll { $0 == symbol }
        }
        return .success(nil)
    }
}
