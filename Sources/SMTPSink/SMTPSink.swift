import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SMTP
import Synchronization

/// `herald smtp-sink`: an SMTP server that takes mail and answers each recipient as ``MagicRecipients`` says, for
/// tests, the README's tour and users' own test setups. Keeps the last messages it took in memory.
public final class SMTPSink: Service {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 2525
        public var hostname = "sink.test"
        public var maximumSize = 10 << 20
        public var keep = 1000
        public init() {}
    }

    public let configuration: Configuration
    private let recipients: MagicRecipients
    private let logger: Logger
    private let taken = Mutex<[SMTPServerStateMachine.Received]>([])
    private let connections = Atomic<Int>(0)
    private let listening = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    public init(configuration: Configuration = .init(), recipients: MagicRecipients = MagicRecipients(), logger: Logger = Logger(label: "herald.smtp-sink")) {
        self.configuration = configuration
        self.recipients = recipients
        self.logger = logger
    }

    /// The messages taken so far, oldest first (the last ``Configuration/keep``).
    public var messages: [SMTPServerStateMachine.Received] { taken.withLock { $0 } }

    /// The port it listens on, once listening (useful with port 0).
    public func port() async -> Int {
        await withCheckedContinuation { continuation in
            let known = listening.withLock { state -> Int? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    public func run() async throws {
        let configuration = configuration
        let recipients = recipients
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = self.connections.add(1, ordering: .relaxed).newValue
                    let machine = SMTPServerStateMachine(hostname: configuration.hostname, idPrefix: "\(configuration.hostname)-\(connection)",
                                                         maximumSize: configuration.maximumSize) { recipient in
                        recipients.verdict(for: recipient)
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(maximumLength: 1000)))
                    try channel.pipeline.syncOperations.addHandler(SMTPServerHandler(machine: machine) { [weak self] message, done in
                        self?.keep(message)
                        done(true)
                    })
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        let port = server.localAddress?.port ?? configuration.port
        let waiters = listening.withLock { state in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
        logger.info("SMTP sink listening", metadata: ["address": "\(configuration.host):\(port)"])
        await withGracefulShutdownHandler {
            try? await server.closeFuture.get()
        } onGracefulShutdown: {
            server.close(promise: nil)
        }
    }

    private func keep(_ message: SMTPServerStateMachine.Received) {
        logger.debug("took a message", metadata: ["id": "\(message.id)", "from": "\(message.sender)", "to": "\(message.recipients.joined(separator: ","))"])
        taken.withLock { taken in
            taken.append(message)
            if taken.count > configuration.keep { taken.removeFirst(taken.count - configuration.keep) }
        }
    }
}
