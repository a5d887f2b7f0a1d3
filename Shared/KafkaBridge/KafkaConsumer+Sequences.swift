import NIOCore

/// The ordered events of a ``KafkaConsumer``: messages and rebalances.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent
    typealias Base = NIOThrowingAsyncSequenceProducer<
        KafkaConsumerEvent, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ConsumerDemand
    >
    let base: Base

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator

        public mutating func next() async throws -> KafkaConsumerEvent? { try await self.base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: self.base.makeAsyncIterator()) }
}

/// The messages of a ``KafkaConsumer`` (rebalance events skipped).
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage
    let base: KafkaConsumerEvents.Base

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: KafkaConsumerEvents.Base.AsyncIterator

        public mutating func next() async throws -> KafkaConsumerMessage? {
            while let event = try await self.base.next() {
                if case .message(let message) = event { return message }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: self.base.makeAsyncIterator()) }
}
