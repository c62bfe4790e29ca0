import NIOCore
import NIOPosix
import Synchronization

/// An SMTP server socket: each connection gets its own ``SMTPServerStateMachine`` (from `makeMachine`, given the
/// connection's number) run by an ``SMTPServerHandler`` behind a ``SMTPLineDecoder`` of `lineLimit` octets.
public final class SMTPListener: Sendable {
    private let state = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))
    private let connections = Atomic<Int>(0)

    public init() {}

    /// Binds and starts accepting; returns the server channel (close it to stop).
    /// `tls`: the certificate for STARTTLS, or (with `implicitTLS`) for TLS from the first byte.
    public func bind(host: String, port: Int, lineLimit: Int = 1000, idleTimeout: TimeAmount, tls: SMTPTLS? = nil, implicitTLS: Bool = false,
                     makeMachine: @escaping @Sendable (_ connection: Int) -> SMTPServerStateMachine,
                     onMessage: @escaping @Sendable (SMTPServerStateMachine.Received, @escaping SMTPServerHandler.Done) -> Void) async throws -> any Channel {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let machine = makeMachine(self.connections.add(1, ordering: .relaxed).newValue)
                    if implicitTLS, let tls { try channel.pipeline.syncOperations.addHandler(tls.serverHandler()) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(maximumLength: lineLimit)))
                    try channel.pipeline.syncOperations.addHandler(SMTPServerHandler(machine: machine, idleTimeout: idleTimeout, tls: tls, onMessage: onMessage))
                }
            }
            .bind(host: host, port: port).get()
        let bound = server.localAddress?.port ?? port
        let waiters = state.withLock { state in
            state.port = bound
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: bound) }
        return server
    }

    /// The port it listens on, once bound (useful with port 0).
    public func port() async -> Int {
        await withCheckedContinuation { continuation in
            let known = state.withLock { state -> Int? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }
}
