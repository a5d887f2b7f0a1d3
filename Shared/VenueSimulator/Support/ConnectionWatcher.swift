import NIOCore

/// Calls back once when the peer goes away: its half of the connection closes (the server allows
/// remote half-closure, so an abandoned request is otherwise only noticed when writing) or the
/// connection becomes inactive.
final class ConnectionWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let onGone: @Sendable () -> Void
    private var hasFired = false

    init(onGone: @escaping @Sendable () -> Void) {
        self.onGone = onGone
    }

    /// Installs a watcher first in `channel`'s pipeline; calls `onGone` at once if the channel is already closed.
    static func install(on channel: any Channel, onGone: @escaping @Sendable () -> Void) async {
        channel.closeFuture.whenComplete { _ in onGone() }
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(ConnectionWatcher(onGone: onGone), position: .first)
        }.get()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            self.fire()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fire()
        context.fireChannelInactive()
    }

    private func fire() {
        guard !self.hasFired else { return }
        self.hasFired = true
        self.onGone()
    }
}
