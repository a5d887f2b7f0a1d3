import Foundation
import VenueKit

/// An open order as MT4Server lists it (Gson of the server's `Order`; protocols.md §1.3). Numbers decode exactly
/// into `Decimal` from the JSON text.
struct MT4ServerOrder: Decodable, Sendable {
    var id: Int64
    var date: Int64
    var orderType: String
    var size: Decimal
    var symbol: String
    var price: Decimal
    var sl: Decimal?
    var tp: Decimal?
    var currentPrice: Decimal?
    var commission: Decimal?
    var taxes: Decimal?
    var swap: Decimal?
    var profit: Decimal?
}

/// A quote as MT4Server sends it over REST and the ticker WebSocket.
struct MT4ServerTickerData: Decodable, Sendable {
    var name: String
    var time: Int64
    var bid: Decimal
    var ask: Decimal
    var last: Decimal?
    var volume: Decimal?

    /// The normalised quote; `nil` for the server's failure frame (empty name, zero prices).
    func quote(receivedAt: Date) -> VenueQuote? {
        guard !self.name.isEmpty, self.bid > 0, self.ask > 0 else { return nil }
        return VenueQuote(
            symbol: self.name, bid: self.bid, ask: self.ask,
            last: (self.last ?? 0) > 0 ? self.last : nil,
            venueTime: self.time > 0 ? Date(timeIntervalSince1970: TimeInterval(self.time)) : nil,
            receivedAt: receivedAt)
    }
}

extension Decimal {
    /// Parses MT4Server's `Double.toString` text (`10000.0`, `1.0E7`).
    init?(javaDouble text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ "0123456789.-+Ee".contains($0) }),
            let value = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        self = value
    }
}

/// Reads the `exp` claim of a compact JWT without verifying it (the venue verifies; we only schedule re-login).
enum JWTClaims {
    static func expiry(of jwt: String) -> Date? {
        let parts = jwt.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let exp = object["exp"] as? NSNumber
        else { return nil }
        return Date(timeIntervalSince1970: exp.doubleValue)
    }
}
