import Foundation
import HTTPTypes
import Logging
public import VenueKit
import WSClient

extension MT4ServerClient: VenueMarketData {
    /// Quotes and stream state for `symbols` from one ticker WebSocket per symbol (`…/ticker?ticker=SYM`, JWT on the upgrade).
    ///
    /// Each socket is supervised: reopened with backoff when it closes or fails, and when it stays silent longer than
    /// ``MT4ServerConfiguration/tickerSilenceTimeout``. A refused upgrade is taken as a refused token: the session
    /// logs in again before reconnecting. The stream ends only when cancelled or when the login itself is refused.
    public func marketEvents(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: VenueMarketEvent.self)
        // The supervising task lives exactly as long as the stream: terminating the stream cancels it.
        let task = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for symbol in symbols.sorted() {
                        group.addTask { try await self.superviseTicker(symbol) { continuation.yield($0) } }
                    }
                    try await group.waitForAll()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func superviseTicker(_ symbol: String, deliver: @escaping @Sendable (VenueMarketEvent) -> Void) async throws {
        var logger = self.logger
        logger[metadataKey: "venue.symbol"] = "\(symbol)"
        let supervisor = VenueStreamSupervisor(
            silenceTimeout: self.configuration.tickerSilenceTimeout,
            backoff: ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(10)), logger: logger)
        try await supervisor.run(
            connect: { frameReceived in
                try await self.openTicker(symbol, frameReceived: frameReceived) { deliver(.quote($0)) }
            },
            isFatal: { error in (error as? VenueError)?.code == .unauthorized },
            onUp: { deliver(.connected(symbol: symbol)) },
            onDown: { reason in deliver(.disconnected(symbol: symbol, reason: reason)) })
    }

    /// One ticker connection: authorise, upgrade, read frames until the socket ends.
    private func openTicker(
        _ symbol: String, frameReceived: @escaping @Sendable () -> Void,
        deliver: @escaping @Sendable (VenueQuote) -> Void
    ) async throws {
        let token = try await self.tokens.currentToken()
        var components = URLComponents(url: self.configuration.endpoint, resolvingAgainstBaseURL: false)!
        components.scheme = components.scheme == "https" ? "wss" : "ws"
        components.path = "/" + self.brokerPath("ticker")
        components.queryItems = [URLQueryItem(name: "ticker", value: symbol)]
        var headers = HTTPFields()
        headers[.authorization] = token.value.value
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 16, additionalHeaders: headers)
        do {
            try await WebSocketClient.connect(url: components.string!, configuration: configuration, logger: self.logger) {
                inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    guard case .text(let text) = message else { continue }
                    frameReceived()
                    guard let ticker = try? JSONDecoder().decode(MT4ServerTickerData.self, from: Data(text.utf8)),
                        let quote = ticker.quote(receivedAt: Date())
                    else { continue }
                    deliver(quote)
                }
            }
        } catch let error as WebSocketClientError {
            // The upgrade was refused (MT4Server answers 403 for a bad JWT): get a new token before reconnecting.
            _ = try await self.tokens.tokenRejected(token)
            throw VenueError(.venueFailure, venue: self.venueID,
                             reason: "ticker upgrade refused", underlying: error)
        }
    }
}
