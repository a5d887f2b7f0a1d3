/// What one request frame of a JSON-over-WebSocket face (cTrader, Deriv) produces.
enum WebSocketReply: Sendable {
    /// Send these frames, in order (none when there is nothing to answer or the answer is withheld).
    case frames([String])
    /// Close the connection without answering.
    case drop
}

/// A call's outcome before it is logged: the frames to send and the request-log status.
struct WebSocketAnswer: Sendable {
    /// The frames to send, in order.
    var frames: [String]
    /// 200 answered, 400 error answer, 500 injected error, 0 withheld.
    var status: Int

    /// Answered with `frames`.
    static func ok(_ frames: [String]) -> WebSocketAnswer { WebSocketAnswer(frames: frames, status: 200) }

    /// Answered with one frame.
    static func ok(_ frame: String) -> WebSocketAnswer { WebSocketAnswer(frames: [frame], status: 200) }

    /// Answered with one error frame.
    static func failed(_ frame: String) -> WebSocketAnswer { WebSocketAnswer(frames: [frame], status: 400) }

    /// Not answered (the `hangOrders` fault).
    static let withheld = WebSocketAnswer(frames: [], status: 0)
}

extension VenueFaultInjector {
    /// Carries out the faults for one request frame logged as `ticket`: after the drawn latency, a drop closes the
    /// connection (logged with status 0) and an injected error is answered with the frame `errorFrame` makes (500,
    /// whatever `errorStatus` says: a WebSocket answer has no HTTP status); otherwise the frame is answered with what
    /// `proceed` returns, logged with its status.
    func reply(
        logging ticket: VenueRequestLog.Ticket, in requestLog: VenueRequestLog, errorFrame: () -> String,
        proceed: () async -> WebSocketAnswer
    ) async -> WebSocketReply {
        let answer: WebSocketAnswer? = await self.handle(drop: nil) { _ in
            WebSocketAnswer(frames: [errorFrame()], status: 500)
        } proceed: {
            await proceed()
        }
        requestLog.complete(ticket, status: answer?.status ?? 0)
        return answer.map { .frames($0.frames) } ?? .drop
    }
}
