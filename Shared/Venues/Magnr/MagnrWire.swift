import Foundation

/// A Magnr trade (protocols.md §3.3). `id` is a number in the examples and "string" in the field table: both are read.
struct MagnrTrade: Decodable, Sendable {
    var id: String
    var side: String
    var leverage: Int?
    var size: Decimal
    var exchange: String?
    var pair: String?
    var status: String
    var openPrice: Decimal?
    var closePrice: Decimal?
    var createdAt: Int64?
    var closedAt: Int64?
    var closedReason: String?
    var profit: Decimal?

    private enum CodingKeys: String, CodingKey {
        case id, side, leverage, size, exchange, pair, status, profit
        case openPrice = "open_price", closePrice = "close_price", createdAt = "created_at", closedAt = "closed_at"
        case closedReason = "closed_reason"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try MagnrID.decode(container, .id)
        self.side = try container.decode(String.self, forKey: .side)
        self.leverage = try container.decodeIfPresent(Int.self, forKey: .leverage)
        self.size = try container.decode(Decimal.self, forKey: .size)
        self.exchange = try container.decodeIfPresent(String.self, forKey: .exchange)
        self.pair = try container.decodeIfPresent(String.self, forKey: .pair)
        self.status = try container.decode(String.self, forKey: .status)
        self.openPrice = try container.decodeIfPresent(Decimal.self, forKey: .openPrice)
        self.closePrice = try container.decodeIfPresent(Decimal.self, forKey: .closePrice)
        self.createdAt = try container.decodeIfPresent(Int64.self, forKey: .createdAt)
        self.closedAt = try container.decodeIfPresent(Int64.self, forKey: .closedAt)
        self.closedReason = try container.decodeIfPresent(String.self, forKey: .closedReason)
        self.profit = try container.decodeIfPresent(Decimal.self, forKey: .profit)
    }

    /// Pending or open: a position (or an order about to become one).
    var isLive: Bool { self.status == "pending" || self.status == "open" }
}

/// `{"id": 1234}` (create, liquidate).
struct MagnrIDAnswer: Decodable, Sendable {
    var id: String

    private enum CodingKeys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        self.id = try MagnrID.decode(try decoder.container(keyedBy: CodingKeys.self), .id)
    }
}

/// `{"trades": [...]}` and `{"trade": {...}}`.
struct MagnrTradeList: Decodable, Sendable { var trades: [MagnrTrade] }
struct MagnrTradeAnswer: Decodable, Sendable { var trade: MagnrTrade }

/// `{"errors": ["…"]}`, the body of every non-2xx answer.
struct MagnrErrors: Decodable, Sendable {
    var errors: [String]

    static func message(in body: String) -> String {
        guard let parsed = try? JSONDecoder().decode(Self.self, from: Data(body.utf8)), !parsed.errors.isEmpty else {
            return "no error text"
        }
        return parsed.errors.joined(separator: "; ").prefix(300).description
    }
}

enum MagnrID {
    static func decode<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> String {
        if let number = try? container.decode(Int64.self, forKey: key) { return String(number) }
        return try container.decode(String.self, forKey: key)
    }
}
