import NIOCore
import NIOPosix
import Synchronization

/// An SMTP server socket: each connection gets its own ``SMTPServerStateMachine`` (from `makeMachine`, given the
/// connection's number) run by an ``SMTPServerHandler`` behind a ``SMTPLineDecoder`` of `lineLimit` octets. At most
/// `maximumConnections` are open at once: one more is answered `421 4.7.0` and closed (a client tries again later).
public final class SMTPListener: Sendable {
    private let state = Mutex<(port: Result<Int, any Error>?, waiters: [CheckedContinuation<Int, any Error>])>((nil, []))
    private let connections = Atomic<Int>(0)
    private let open = Atomic<Int>(0)

    public init() {}

    /// Binds and starts accepting; returns the server channel (close it to stop).
    /// `tls`: the certificate for STARTTLS, or (with `implicitTLS`) for TLS from the first byte.
    public func bind(host: String, port: Int, lineLimit: Int = 1000, idleTimeout: TimeAmount, maximumConnections: Int = 1000,
                     tls: SMTPTLS? = nil, implicitTLS: Bool = false,
                     makeMachine: @escaping @Sendable (_ connection: Int) -> SMTPServerStateMachine,
                     onMessage: @escaping @Sendable (SMTPServerStateMachine.Received, @escaping SMTPServerHandler.Done) -> Void) async throws -> any Channel {
        let binding = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    guard self.open.add(1, ordering: .relaxed).newValue <= maximumConnections else {
                        self.open.subtract(1, ordering: .relaxed)
                        try channel.pipeline.syncOperations.addHandler(Busy())
                        return
                    }
                    channel.closeFuture.whenComplete { _ in self.open.subtract(1, ordering: .relaxed) }
                    let machine = makeMachine(self.connections.add(1, ordering: .relaxed).newValue)
                    if implicitTLS, let tls { try channel.pipeline.syncOperations.addHandler(tls.serverHandler()) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(maximumLength: lineLimit)))
                    try channel.pipeline.syncOperations.addHandler(SMTPServerHandler(machine: machine, idleTimeout: idleTimeout, tls: tls, onMessage: onMessage))
                }
            }
            .bind(host: host, port: port)
        let server: any Channel
        do {
            server = try await binding.get()
        } catch {
            // Whoever waits for the port learns that there will be none (it waited forever before).
            settle(.failure(error))
            throw error
        }
        settle(.success(server.localAddress?.port ?? port))
        return server
    }

    private func settle(_ port: Result<Int, any Error>) {
        let waiters = state.withLock { state in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: port) }
    }

    /// The answer to a connection over the limit: 421 (RFC 5321 section 3.8), then close.
    private final class Busy: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelActive(context: ChannelHandlerContext) {
            let reply = context.channel.allocator.buffer(string: SMTPReply(code: 421, "4.7.0 too many connections, try again later").wire)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    }

    /// The port it listens on, once bound (useful with port 0); the bind's error if binding failed.
    public func port() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let known = state.withLock { state -> Result<Int, any Error>? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(with: known) }
        }
    }
}
