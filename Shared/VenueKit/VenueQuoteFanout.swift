public import Foundation
import Synchronization

/// The quote streams sharing one venue session: which symbols each stream wants, and delivery of quotes and stream
/// state to the streams that want them. The session subscribes what ``wanted`` holds and unsubscribes what
/// ``remove(_:)`` returns.
public final class VenueQuoteFanout: Sendable {
    private struct Subscriber {
        var symbols: Set<String>
        var continuation: AsyncThrowingStream<VenueMarketEvent, any Error>.Continuation
    }

    private let subscribers = Mutex<[UUID: Subscriber]>([:])

    /// Creates an empty fan-out.
    public init() {}

    /// Every symbol some stream wants.
    public var wanted: Set<String> {
        self.subscribers.withLock { Self.wanted(in: $0) }
    }

    /// Registers a stream of `symbols`; returns its id and the symbols nobody wanted before.
    public func add(
        _ symbols: Set<String>, to continuation: AsyncThrowingStream<VenueMarketEvent, any Error>.Continuation
    ) -> (id: UUID, added: Set<String>) {
        let id = UUID()
        let added = self.subscribers.withLock { subscribers in
            let before = Self.wanted(in: subscribers)
            subscribers[id] = Subscriber(symbols: symbols, continuation: continuation)
            return symbols.subtracting(before)
        }
        return (id, added)
    }

    /// Removes a stream; returns the symbols nobody wants any more.
    public func remove(_ id: UUID) -> Set<String> {
        self.subscribers.withLock { subscribers in
            let before = Self.wanted(in: subscribers)
            subscribers[id] = nil
            return before.subtracting(Self.wanted(in: subscribers))
        }
    }

    /// Sends `make(symbol)` to every stream, for each of its symbols (or only for `symbol`).
    public func broadcast(to symbol: String? = nil, _ make: (String) -> VenueMarketEvent) {
        let subscribers = self.subscribers.withLock { Array($0.values) }
        for subscriber in subscribers {
            for wanted in subscriber.symbols.sorted() where symbol == nil || symbol == wanted {
                subscriber.continuation.yield(make(wanted))
            }
        }
    }

    /// Sends a quote to the streams that want its symbol.
    public func deliver(_ quote: VenueQuote) {
        let targets = self.subscribers.withLock { subscribers in
            subscribers.values.filter { $0.symbols.contains(quote.symbol) }.map(\.continuation)
        }
        for continuation in targets { continuation.yield(.quote(quote)) }
    }

    /// Ends every stream (with `error`, if given) and forgets them.
    public func finishAll(throwing error: (any Error)? = nil) {
        let subscribers = self.subscribers.withLock { subscribers in
            defer { subscribers = [:] }
            return Array(subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish(throwing: error) }
    }

    private static func wanted(in subscribers: [UUID: Subscriber]) -> Set<String> {
        subscribers.values.reduce(into: []) { $0.formUnion($1.symbols) }
    }
}
