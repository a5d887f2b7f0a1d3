import Foundation

extension OrderCommand {
    /// Every member name of `order-command/v1`.
    static let fieldNames: Set<String> = [
        "schema", "commandId", "action", "venue", "clientOrderId", "venueOrderId", "symbol", "side", "quantity",
        "orderType", "limitPrice", "stopPrice", "stopLoss", "takeProfit", "leverage", "expiresAt", "createdAt",
        "source", "extensions",
    ]

    /// Decodes and validates a command; unknown fields are rejected.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        try reader.requireSchema(Self.schemaName)
        try reader.rejectUnknownFields(allowed: Self.fieldNames)
        self.init(
            commandId: try reader.uuid("commandId"),
            action: try reader.value("action"),
            venue: try reader.string("venue"),
            clientOrderId: try reader.string("clientOrderId"),
            venueOrderId: try reader.string(ifPresent: "venueOrderId"),
            symbol: try reader.string(ifPresent: "symbol"),
            side: try reader.value(ifPresent: "side"),
            quantity: try reader.decimal(ifPresent: "quantity", .positive),
            orderType: try reader.value(ifPresent: "orderType"),
            limitPrice: try reader.decimal(ifPresent: "limitPrice", .positive),
            stopPrice: try reader.decimal(ifPresent: "stopPrice", .positive),
            stopLoss: try reader.decimal(ifPresent: "stopLoss", .positive),
            takeProfit: try reader.decimal(ifPresent: "takeProfit", .positive),
            leverage: try reader.decimal(ifPresent: "leverage", .positive),
            expiresAt: try reader.timestamp(ifPresent: "expiresAt"),
            createdAt: try reader.timestamp("createdAt"),
            source: try reader.string("source"),
            extensions: try Self.readExtensions(reader)
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes the command.
    public func encode(to encoder: any Encoder) throws {
        let rules = FieldRules(codingPath: encoder.codingPath)
        try self.validate(rules)
        var writer = FieldWriter(encoder)
        try writer.schema(Self.schemaName)
        try writer.put(self.commandId, "commandId")
        try writer.put(self.action, "action")
        try writer.put(self.venue, "venue")
        try writer.put(self.clientOrderId, "clientOrderId")
        try writer.put(self.venueOrderId, "venueOrderId")
        try writer.put(self.symbol, "symbol")
        try writer.put(self.side, "side")
        try writer.put(self.quantity, .positive, "quantity")
        try writer.put(self.orderType, "orderType")
        try writer.put(self.limitPrice, .positive, "limitPrice")
        try writer.put(self.stopPrice, .positive, "stopPrice")
        try writer.put(self.stopLoss, .positive, "stopLoss")
        try writer.put(self.takeProfit, .positive, "takeProfit")
        try writer.put(self.leverage, .positive, "leverage")
        try writer.put(self.expiresAt, "expiresAt")
        try writer.put(self.createdAt, "createdAt")
        try writer.put(self.source, "source")
        if let extensions = self.extensions {
            let members = Dictionary(uniqueKeysWithValues: extensions.map { ($0.key.rawValue, $0.value) })
            try writer.put(members, "extensions")
        }
    }

    /// Checks every rule of `order-command/v1` on the in-memory values.
    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.venueID(self.venue)
        try rules.clientOrderID(self.clientOrderId)
        try rules.text(self.venueOrderId, "venueOrderId", length: 1...64)
        try rules.symbol(self.symbol)
        try rules.decimal(self.quantity, .positive, "quantity")
        try rules.decimal(self.limitPrice, .positive, "limitPrice")
        try rules.decimal(self.stopPrice, .positive, "stopPrice")
        try rules.decimal(self.stopLoss, .positive, "stopLoss")
        try rules.decimal(self.takeProfit, .positive, "takeProfit")
        try rules.decimal(self.leverage, .positive, "leverage")
        try rules.text(self.source, "source", length: 1...64)
        for (venueProtocol, value) in (self.extensions ?? [:]).sorted(by: { $0.key.rawValue < $1.key.rawValue })
        where value.objectValue == nil {
            throw rules.nested("extensions").invalid(venueProtocol.rawValue, "extension value must be a JSON object")
        }
        if self.action == .place {
            try rules.require(self.symbol != nil, "symbol", when: "action is place")
            try rules.require(self.side != nil, "side", when: "action is place")
            try rules.require(self.quantity != nil, "quantity", when: "action is place")
            try rules.require(self.orderType != nil, "orderType", when: "action is place")
        }
        switch self.orderType {
        case .limit?:
            try rules.require(self.limitPrice != nil, "limitPrice", when: "orderType is limit")
        case .stop?:
            try rules.require(self.stopPrice != nil, "stopPrice", when: "orderType is stop")
        case .market?:
            try rules.forbid(self.limitPrice != nil, "limitPrice", when: "orderType is market")
            try rules.forbid(self.stopPrice != nil, "stopPrice", when: "orderType is market")
        case nil:
            break
        }
    }

    /// Reads `extensions`: an object whose keys are protocol ids and whose values are objects.
    private static func readExtensions(_ reader: FieldReader) throws(MessageError) -> [VenueProtocol: JSONValue]? {
        guard let members = try reader.nested(ifPresent: "extensions", as: [String: JSONValue].self) else { return nil }
        var extensions: [VenueProtocol: JSONValue] = [:]
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            guard let venueProtocol = VenueProtocol(rawValue: key) else {
                throw MessageError(
                    .unknownField,
                    pointer: JSONPointer.make(reader.path + ["extensions", key]),
                    rule: "extension keys must be protocol ids: \(VenueProtocol.allowedValues)"
                )
            }
            extensions[venueProtocol] = value
        }
        return extensions
    }
}
