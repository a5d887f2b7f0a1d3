import NIOCore

/// Replaces hummingbird-websocket's empty `400` for a refused WebSocket upgrade with the venue's own
/// answer, or closes the connection without any answer.
///
/// Installed first in the pipeline (next to the socket) when an upgrade is refused. The first bytes the
/// HTTP encoder writes (the 400) are swapped for `mode`'s response; everything after is swallowed.
/// Hummingbird then closes the connection, as it does after every refused upgrade.
final class UpgradeRefusalHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// What goes on the wire instead.
    enum Mode: Sendable {
        /// A response with `Connection: close` and `headers`; a body without a `Content-Type` among `headers` is
        /// sent as `text/plain; charset=UTF-8`.
        case respond(status: Int, body: String, headers: [(String, String)] = [])
        /// No response: the connection is closed.
        case drop
    }

    private let mode: Mode
    private var hasReplaced = false

    init(mode: Mode) {
        self.mode = mode
    }

    /// Installs the handler on `channel`; does nothing if the channel is already gone.
    static func install(on channel: any Channel, mode: Mode) async {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(UpgradeRefusalHandler(mode: mode), position: .first)
        }.get()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !self.hasReplaced else {
            promise?.succeed(())
            return
        }
        self.hasReplaced = true
        switch self.mode {
        case .respond(let status, let body, let headers):
            var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
            if !body.isEmpty, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                head += "Content-Type: text/plain; charset=UTF-8\r\n"
            }
            for (name, value) in headers where !["content-length", "connection"].contains(name.lowercased()) {
                head += "\(name): \(value)\r\n"
            }
            head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            context.writeAndFlush(self.wrapOutboundOut(.byteBuffer(ByteBuffer(string: head + body))), promise: promise)
        case .drop:
            promise?.succeed(())
            context.close(promise: nil)
        }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error"
        }
    }
}
