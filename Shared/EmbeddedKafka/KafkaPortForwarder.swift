public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle

/// Relays TCP connections from a fixed address to the embedded broker's random port.
///
/// Kafka clients bootstrap through it; the broker then advertises its own address, which clients on the same host
/// reach directly, so only bootstrap traffic passes through here.
public final class KafkaPortForwarder: Service, Sendable {
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let target: (host: String, port: Int)
    private let logger: Logger
    /// The port actually bound (useful when asked for port 0).
    public let port: Int

    private init(
        server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, target: (host: String, port: Int),
        logger: Logger
    ) {
        self.server = server
        self.target = target
        self.logger = logger
        self.port = server.channel.localAddress?.port ?? 0
    }

    /// Binds `host:port` (port 0 picks a free one) and relays to `target` once ``run()`` runs.
    public static func bind(host: String, port: Int, target: (host: String, port: Int), logger: Logger) async throws
        -> KafkaPortForwarder
    {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return KafkaPortForwarder(server: server, target: target, logger: logger)
    }

    /// Accepts and relays until graceful shutdown or cancellation.
    public func run() async throws {
        do {
            try await self.serve()
        } catch is CancellationError {
            // Graceful shutdown (or cancellation) ends the accept loop: a normal stop.
        }
    }

    private func serve() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await self.relay(connection) }
                    }
                }
            }
        }
    }

    private func relay(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: self.target.host, port: self.target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
            try await client.executeThenClose { clientIn, clientOut in
                try await upstream.executeThenClose { upstreamIn, upstreamOut in
                    try await withThrowingTaskGroup { group in
                        group.addTask {
                            for try await buffer in clientIn { try await upstreamOut.write(buffer) }
                            upstreamOut.finish()
                        }
                        group.addTask {
                            for try await buffer in upstreamIn { try await clientOut.write(buffer) }
                            clientOut.finish()
                        }
                        try await group.waitForAll()
                    }
                }
            }
        } catch {
            self.logger.debug("Forwarded connection ended", metadata: ["error": "\(error)"])
        }
    }
}
