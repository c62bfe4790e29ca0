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
        /// Its certificate: STARTTLS is offered, or (with ``implicitTLS``) every connection is TLS from the start.
        public var tls: SMTPTLS?
        public var implicitTLS = false
        /// AUTH PLAIN / LOGIN required before MAIL (offered only under TLS).
        public var credentials: SMTPClientStateMachine.Credentials?
        public init() {}
    }

    public let configuration: Configuration
    private let recipients: MagicRecipients
    private let logger: Logger
    private let taken = Mutex<[SMTPServerStateMachine.Received]>([])
    private let listener = SMTPListener()

    public init(configuration: Configuration = .init(), recipients: MagicRecipients = MagicRecipients(), logger: Logger = Logger(label: "herald.smtp-sink")) {
        self.configuration = configuration
        self.recipients = recipients
        self.logger = logger
    }

    /// The messages taken so far, oldest first (the last ``Configuration/keep``).
    public var messages: [SMTPServerStateMachine.Received] { taken.withLock { $0 } }

    /// The port it listens on, once listening (useful with port 0).
    public func port() async -> Int { await listener.port() }

    public func run() async throws {
        let configuration = configuration
        let recipients = recipients
        var authenticator: SMTPServerStateMachine.Authenticator?
        if let credentials = configuration.credentials {
            authenticator = { username, password in username == credentials.username && password == credentials.password }
        }
        let security = SMTPServerStateMachine.Security(offersStartTLS: configuration.tls != nil && !configuration.implicitTLS,
                                                       implicitTLS: configuration.implicitTLS, authenticator: authenticator)
        let server = try await listener.bind(host: configuration.host, port: configuration.port, idleTimeout: .seconds(300),
                                             tls: configuration.tls, implicitTLS: configuration.implicitTLS) { connection in
            SMTPServerStateMachine(hostname: configuration.hostname, idPrefix: "\(configuration.hostname)-\(connection)",
                                   maximumSize: configuration.maximumSize, security: security) { recipients.verdict(for: $0) }
        } onMessage: { [weak self] message, done in
            self?.keep(message)
            done(true)
        }
        let port = await listener.port()
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
