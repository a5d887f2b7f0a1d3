import ArgumentParser
import Foundation
import KafkaBridge
import Logging
import Messages

/// `tradewire`: send order and control commands to Kafka and watch the answers; print topics readably.
@main
struct TradewireCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradewire",
        abstract: "Tradewire command line: orders, the kill switch, and topic tails (Kafka from KAFKA_BROKERS).",
        subcommands: [OrderCommands.self, HaltCommand.self, ResumeCommand.self, TailCommand.self, SubscribeCommand.self, AuditCommands.self])
}

/// Options every subcommand shares.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, comma separated (default: KAFKA_BROKERS or 127.0.0.1:9092).")
    var brokers: String?

    var bootstrapServers: [String] {
        self.brokers.map { $0.split(separator: ",").map(String.init) } ?? KafkaBootstrap.fromEnvironment()
    }

    var logger: Logger {
        var logger = Logger(label: "tradewire")
        logger.logLevel = .error
        return logger
    }
}

struct OrderCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order", abstract: "Send an order command and print its reports.",
        subcommands: [PlaceOrder.self, CloseOrder.self, CancelOrder.self, ResolveOrder.self])
}

/// What `place`, `close` and `cancel` share: publish one command, then wait for its terminal report.
struct OrderSendOptions: ParsableArguments {
    @Option(help: "Venue id, as configured (for example mt4-demo).")
    var venue: String

    @Option(help: "Client order id (default: a generated one).")
    var clientOrderId: String?

    @Option(help: "Seconds until the command expires (omit for no expiry).")
    var expiresIn: Int?

    @Option(help: "Seconds to wait for the terminal report.")
    var timeout = 60

    @Flag(help: "Print the reports and fills as JSON.")
    var json = false

    @Flag(help: "Publish and return without waiting for reports.")
    var noWait = false

    @OptionGroup var kafka: KafkaOptions

    func command(action: OrderAction, venueOrderId: String? = nil, symbol: String? = nil, side: OrderSide? = nil,
                 quantity: Decimal? = nil, orderType: OrderType? = nil, limitPrice: Decimal? = nil, stopPrice: Decimal? = nil,
                 stopLoss: Decimal? = nil, takeProfit: Decimal? = nil,
                 extensions: [VenueProtocol: JSONValue]? = nil) -> OrderCommand {
        let now = Date()
        return OrderCommand(
            commandId: UUID(), action: action, venue: self.venue,
            clientOrderId: self.clientOrderId ?? "cli-\(Int(now.timeIntervalSince1970 * 1000))",
            venueOrderId: venueOrderId, symbol: symbol, side: side, quantity: quantity, orderType: orderType,
            limitPrice: limitPrice, stopPrice: stopPrice, stopLoss: stopLoss, takeProfit: takeProfit,
            expiresAt: self.expiresIn.map { Timestamp(date: now.addingTimeInterval(TimeInterval($0))) },
            createdAt: Timestamp(date: now), source: "tradewire-cli", extensions: extensions)
    }
}

struct PlaceOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "place", abstract: "Place an order.")

    @Option(help: "Instrument, as the venue names it.")
    var symbol: String

    @Option(help: "buy or sell.")
    var side: String

    @Option(help: "Quantity, a decimal (for example 0.11).")
    var quantity: String

    @Option(help: "market, limit or stop.")
    var type = "market"

    @Option(help: "Limit or stop price, a decimal.")
    var price: String?

    @Option(help: "Stop-loss price, a decimal (where the venue takes one).")
    var stopLoss: String?

    @Option(help: "Take-profit price, a decimal (where the venue takes one).")
    var takeProfit: String?

    @Option(help: ArgumentHelp(
        "Venue-specific parameters as JSON keyed by protocol, for example '{\"deriv\": {\"multiplier\": 200}}'.",
        valueName: "json"))
    var extensions: String?

    @OptionGroup var send: OrderSendOptions

    func run() async throws {
        guard let side = OrderSide(rawValue: self.side) else { throw ValidationError("side is buy or sell") }
        guard let orderType = OrderType(rawValue: self.type) else { throw ValidationError("type is market, limit or stop") }
        let quantity = try Self.decimal(self.quantity, "quantity")
        let price = try self.price.map { try Self.decimal($0, "price") }
        let command = self.send.command(
            action: .place, symbol: self.symbol, side: side, quantity: quantity, orderType: orderType,
            limitPrice: orderType == .limit ? price : nil, stopPrice: orderType == .stop ? price : nil,
            stopLoss: try self.stopLoss.map { try Self.decimal($0, "stop-loss") },
            takeProfit: try self.takeProfit.map { try Self.decimal($0, "take-profit") },
            extensions: try self.extensions.map(Self.extensions))
        try await OrderRoundTrip(options: self.send).run(command)
    }

    /// `--extensions`: a JSON object whose keys are protocol ids and whose values are objects.
    static func extensions(_ text: String) throws -> [VenueProtocol: JSONValue] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object(let members) = value else {
            throw ValidationError("extensions must be a JSON object such as '{\"deriv\": {\"multiplier\": 200}}'")
        }
        var extensions: [VenueProtocol: JSONValue] = [:]
        for (key, member) in members {
            guard let venueProtocol = VenueProtocol(rawValue: key) else {
                throw ValidationError(
                    "extensions.\(key): not a protocol (\(VenueProtocol.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard case .object = member else { throw ValidationError("extensions.\(key) must be an object") }
            extensions[venueProtocol] = member
        }
        return extensions
    }

    static func decimal(_ text: String, _ name: String) throws -> Decimal {
        guard text.range(of: #"^[0-9]+(\.[0-9]+)?$"#, options: .regularExpression) != nil,
            let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { throw ValidationError("\(name) must be a decimal like 0.11") }
        return value
    }
}

struct CloseOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "close", abstract: "Close an open position.")

    @Option(help: "The venue's order or position id (the venueOrderId of the place report).")
    var order: String

    @Option(help: "Quantity to close (default: all of it).")
    var quantity: String?

    @OptionGroup var send: OrderSendOptions

    func run() async throws {
        let quantity = try self.quantity.map { try PlaceOrder.decimal($0, "quantity") }
        try await OrderRoundTrip(options: self.send).run(self.send.command(action: .close, venueOrderId: self.order, quantity: quantity))
    }
}

struct CancelOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a pending order.")

    @Option(help: "The venue's order id.")
    var order: String

    @OptionGroup var send: OrderSendOptions

    func run() async throws {
        try await OrderRoundTrip(options: self.send).run(self.send.command(action: .cancel, venueOrderId: self.order))
    }
}

struct ResolveOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "State the true outcome of a command whose final report was unknown (after checking at the venue).",
        discussion: """
            Publishes a resolve control command on orders.control; the order-executor checks that the command's final \
            report is unknown and publishes the stated outcome as a final report carrying `resolves` (and a fill for \
            filled). The audit trail keeps both. A refusal (not unknown, unknown command, status unfit for the action) \
            comes back on orders.dlq and is printed here.
            """)

    @Option(help: "The commandId whose final report was unknown.")
    var commandId: String

    @Option(help: "Its venue id.")
    var venue: String

    @Option(help: "What really happened: filled, accepted, rejected (place); closed (close); cancelled (cancel); rejected.")
    var status: String

    @Option(help: "The venue's order id (required for filled and accepted).")
    var venueOrderId: String?

    @Option(help: "Quantity filled (required for filled).")
    var filledQuantity: String?

    @Option(help: "Average fill price (required for filled).")
    var averagePrice: String?

    @Option(help: "What was checked at the venue (kept in the audit trail).")
    var reason: String

    @Option(help: "Who is acting.")
    var `operator` = ProcessInfo.processInfo.environment["USER"] ?? "operator"

    @Option(help: "Seconds to wait for the executor's answer.")
    var timeout = 30

    @OptionGroup var kafka: KafkaOptions

    func run() async throws {
        guard let commandID = UUID(uuidString: self.commandId) else { throw ValidationError("--command-id must be a UUID") }
        guard let status = OrderStatus(rawValue: self.status), OrderResolution.allowedStatuses.contains(status) else {
            throw ValidationError("--status must be one of \(OrderResolution.allowedStatuses.map(\.rawValue).joined(separator: ", "))")
        }
        let control = ControlCommand(
            commandId: UUID(), action: .resolve, scope: .venue(self.venue), reason: self.reason, operator: self.operator,
            issuedAt: .now(),
            resolution: OrderResolution(
                commandId: commandID, status: status, venueOrderId: self.venueOrderId,
                filledQuantity: try self.filledQuantity.map { try PlaceOrder.decimal($0, "filled-quantity") },
                averagePrice: try self.averagePrice.map { try PlaceOrder.decimal($0, "average-price") }))
        let value: Data
        do {
            value = try WireFormat.encode(control)
        } catch {
            throw ValidationError("invalid resolution: \(error.pointer): \(error.rule)")
        }
        try await KafkaSession.with(self.kafka) { producer, makeFollower in
            let follower = try await makeFollower([TopicCatalogue.ordersReports, TopicCatalogue.ordersDLQ], false)
            _ = try await producer.send(KafkaProducerMessage(
                topic: TopicCatalogue.ordersControl.name, key: self.venue, value: value))
            print("→ \(TopicCatalogue.ordersControl.name)  resolve \(self.commandId) as \(status.rawValue) at \(self.venue)")
            let deadline = StreamDeadline(ContinuousClock.now + .seconds(self.timeout))
            for try await message in follower.messages(until: deadline) {
                if message.topic == TopicCatalogue.ordersReports.name,
                    let report = try? WireFormat.decode(ExecutionReport.self, from: message.value),
                    report.commandId == commandID, report.resolves != nil
                {
                    print("← \(Describe.report(report))")
                    return
                }
                if message.topic == TopicCatalogue.ordersDLQ.name,
                    let letter = try? WireFormat.decode(DeadLetter.self, from: message.value),
                    letter.commandId == control.commandId
                {
                    throw CLIError("refused: \(letter.error.code): \(letter.error.message)")
                }
            }
            throw CLIError("no answer within \(self.timeout) s (is the order-executor running?)")
        }
    }
}

/// Publishes a command and prints its reports and fills until the terminal report.
struct OrderRoundTrip {
    var options: OrderSendOptions

    func run(_ command: OrderCommand) async throws {
        let kafka = self.options.kafka
        let topics = [TopicCatalogue.ordersReports, TopicCatalogue.ordersFills]
        try await KafkaSession.with(kafka) { producer, makeFollower in
            // Read only what arrives after the command: start at today's end of every partition.
            let follower = try await makeFollower(topics, false)
            let value = try WireFormat.encode(command)
            _ = try await producer.send(KafkaProducerMessage(
                topic: TopicCatalogue.ordersCommands.name, key: command.venue, value: value))
            print("→ \(Describe.command(command))")
            guard !self.options.noWait else { return }
            let deadline = StreamDeadline(ContinuousClock.now + .seconds(self.options.timeout))
            var final: ExecutionReport?
            var filled: Decimal = 0
            for try await message in follower.messages(until: deadline) {
                if message.topic == TopicCatalogue.ordersReports.name,
                    let report = try? WireFormat.decode(ExecutionReport.self, from: message.value),
                    report.commandId == command.commandId
                {
                    print(self.options.json ? Describe.json(message.value) : "← \(Describe.report(report))")
                    if report.isFinal { final = report }
                } else if message.topic == TopicCatalogue.ordersFills.name,
                    let fill = try? WireFormat.decode(Fill.self, from: message.value), fill.commandId == command.commandId
                {
                    print(self.options.json ? Describe.json(message.value) : "← \(Describe.fill(fill))")
                    filled += fill.quantity
                }
                // The fills of a place are published before its terminal report, but on another topic: read on
                // briefly until they are all printed.
                guard let final else { continue }
                if command.action != .place || filled >= final.filledQuantity { return }
                deadline.bringForward(to: ContinuousClock.now + .seconds(2))
            }
            if final != nil { return }
            throw CLIError("no terminal report within \(self.options.timeout) s (is the order-executor running?)")
        }
    }
}

/// What `halt` and `resume` take.
struct ControlOptions: ParsableArguments {
    @Option(help: "Venue id or *.")
    var venue: String

    @Option(help: "Why (kept in the audit trail).")
    var reason: String

    @Option(help: "Who is acting.")
    var `operator` = ProcessInfo.processInfo.environment["USER"] ?? "operator"

    @OptionGroup var kafka: KafkaOptions
}

struct HaltCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "halt", abstract: "Halt new orders for a venue (or * for all).")

    @OptionGroup var options: ControlOptions

    func run() async throws { try await ControlSender.send(.halt, self.options) }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume new orders for a venue (or *).")

    @OptionGroup var options: ControlOptions

    func run() async throws { try await ControlSender.send(.resume, self.options) }
}

enum ControlSender {
    static func send(_ action: ControlAction, _ options: ControlOptions) async throws {
        let venue = options.venue
        let command = ControlCommand(
            commandId: UUID(), action: action, scope: venue == "*" ? .allVenues : .venue(venue), reason: options.reason,
            operator: options.operator, issuedAt: .now())
        try await KafkaSession.with(options.kafka) { producer, _ in
            _ = try await producer.send(KafkaProducerMessage(
                topic: TopicCatalogue.ordersControl.name, key: venue, value: try WireFormat.encode(command)))
        }
        print("\(action.rawValue) \(venue): sent to \(TopicCatalogue.ordersControl.name)")
    }
}

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print a topic's messages readably (Ctrl-C stops).")

    @Argument(help: "Topic name, for example orders.reports.")
    var topic: String

    @Flag(help: "Start at the beginning of the topic instead of its end.")
    var fromBeginning = false

    @Option(help: "Stop after this many messages.")
    var count: Int?

    @Flag(help: "Print each message as compact JSON instead of indented.")
    var compact = false

    @OptionGroup var kafka: KafkaOptions

    func run() async throws {
        guard let spec = TopicCatalogue.all.first(where: { $0.name == self.topic }) else {
            throw ValidationError("unknown topic \(self.topic); topics: \(TopicCatalogue.all.map(\.name).joined(separator: ", "))")
        }
        try await KafkaSession.with(self.kafka) { _, makeFollower in
            let follower = try await makeFollower([spec], self.fromBeginning)
            var printed = 0
            for try await message in follower.messages(until: nil) {
                let key = message.keyString ?? "-"
                print("\(message.topic)[\(message.partition)]@\(message.offset) key=\(key)")
                print(self.compact ? String(decoding: message.value, as: UTF8.self) : Describe.json(message.value))
                printed += 1
                if let count = self.count, printed >= count { return }
            }
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticks", abstract: "Add or remove symbols of the tick-publisher at run time (market.subscriptions).")

    @Argument(help: "subscribe or unsubscribe.")
    var action: String

    @Option(help: "Venue id.")
    var venue: String

    @Option(parsing: .upToNextOption, help: "Symbols as the venue names them.")
    var symbols: [String]

    @Option(help: "Who is asking.")
    var `operator` = ProcessInfo.processInfo.environment["USER"] ?? "operator"

    @OptionGroup var kafka: KafkaOptions

    func run() async throws {
        guard let action = SubscriptionAction(rawValue: self.action) else { throw ValidationError("subscribe or unsubscribe") }
        let command = MarketSubscription(
            commandId: UUID(), action: action, venue: self.venue, symbols: self.symbols, operator: self.operator,
            issuedAt: .now())
        try await KafkaSession.with(self.kafka) { producer, _ in
            _ = try await producer.send(KafkaProducerMessage(
                topic: TopicCatalogue.marketSubscriptions.name, key: self.venue, value: try WireFormat.encode(command)))
        }
        print("\(action.rawValue) \(self.symbols.joined(separator: " ")) at \(self.venue): sent to \(TopicCatalogue.marketSubscriptions.name)")
    }
}
