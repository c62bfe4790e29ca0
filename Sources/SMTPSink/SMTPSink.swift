import Foundation
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
        /// A session waiting this long for a command is ended (421, then closed).
        public var idleTimeout: TimeAmount = .seconds(300)
        /// Connections open at once; one more is answered 421 and closed.
        public var maximumConnections = 1000
        /// Its certificate: STARTTLS is offered, or (with ``implicitTLS``) every connection is TLS from the start.
        public var tls: SMTPTLS?
        public var implicitTLS = false
        /// AUTH PLAIN / LOGIN required before MAIL (offered only under TLS).
        public var credentials: SMTPClientStateMachine.Credentials?
        /// Delivery status notifications sent at once (each on a kept session to the report target, as a relay sends its
        /// queue); 1 sends them one after another.
        public var reportConcurrency = 8
        public init() {}
    }

    public let configuration: Configuration
    private let recipients: MagicRecipients
    private let logger: Logger
    private let taken = Mutex<[SMTPServerStateMachine.Received]>([])
    private let listener = SMTPListener()
    /// Where delivery status notifications go (the sender's bounce listener), when set.
    private let dsnTarget = Mutex<(host: String, port: Int)?>(nil)
    private let (reports, reportQueue) = AsyncStream.makeStream(of: (SMTPServerStateMachine.Received, host: String, port: Int).self)
    /// Sessions to the report target, kept between reports.
    private let reportSessions = SMTPConnectionPool()

    public init(configuration: Configuration = .init(), recipients: MagicRecipients = MagicRecipients(), logger: Logger = Logger(label: "herald.smtp-sink")) {
        self.configuration = configuration
        self.recipients = recipients
        self.logger = logger
    }

    /// Sends delivery status notifications (RFC 3464) for the messages it takes to this SMTP server (usually Herald's
    /// bounce listener), to each message's envelope sender: `failed` 5.1.1 for a `bounce@` recipient, `delivered` for
    /// others whose sender asked `NOTIFY=SUCCESS`.
    public func sendDSNs(to host: String, port: Int) {
        dsnTarget.withLock { $0 = (host, port) }
    }

    /// The messages taken so far, oldest first (the last ``Configuration/keep``).
    public var messages: [SMTPServerStateMachine.Received] { taken.withLock { $0 } }

    /// The port it listens on, once listening (useful with port 0).
    public func port() async throws -> Int { try await listener.port() }

    public func run() async throws {
        let configuration = configuration
        let recipients = recipients
        var authenticator: SMTPServerStateMachine.Authenticator?
        if let credentials = configuration.credentials {
            authenticator = { username, password in username == credentials.username && password == credentials.password }
        }
        let security = SMTPServerStateMachine.Security(offersStartTLS: configuration.tls != nil && !configuration.implicitTLS,
                                                       implicitTLS: configuration.implicitTLS, authenticator: authenticator)
        let server = try await listener.bind(host: configuration.host, port: configuration.port, idleTimeout: configuration.idleTimeout,
                                             maximumConnections: configuration.maximumConnections,
                                             tls: configuration.tls, implicitTLS: configuration.implicitTLS) { connection in
            SMTPServerStateMachine(hostname: configuration.hostname, idPrefix: "\(configuration.hostname)-\(connection)",
                                   maximumSize: configuration.maximumSize, security: security) { recipients.verdict(for: $0) }
        } onMessage: { [weak self] message, done in
            self?.keep(message)
            done(true)
        }
        let port = try await listener.port()
        logger.info("SMTP sink listening", metadata: ["address": "\(configuration.host):\(port)"])
        // Until the server closes: on a graceful shutdown, or when the task is cancelled.
        await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { [reports] in
                    await withTaskGroup(of: Void.self) { sending in
                        var running = 0
                        for await (message, host, port) in reports {
                            if running >= max(1, configuration.reportConcurrency) {
                                await sending.next()
                                running -= 1
                            }
                            sending.addTask { await self.report(message, host: host, port: port) }
                            running += 1
                        }
                    }
                    self.reportSessions.closeIdle()
                }
                try? await server.closeFuture.get()
                self.reportQueue.finish()
            }
        } onCancelOrGracefulShutdown: {
            server.close(promise: nil)
        }
    }

    /// Sends the report one taken message calls for, if any.
    private func report(_ message: SMTPServerStateMachine.Received, host: String, port: Int) async {
        guard !message.sender.isEmpty else { return }  // never a report about a report
        let notifySuccess = message.mailParameters.contains { $0.uppercased().hasPrefix("NOTIFY=") && $0.uppercased().contains("SUCCESS") }
        let envelopeID = message.mailParameters.first { $0.uppercased().hasPrefix("ENVID=") }.map { String($0.dropFirst("ENVID=".count)) }
        var recipients: [DeliveryStatusReport.Recipient] = []
        for address in message.recipients {
            let local = address.split(separator: "@").first.map { $0.split(separator: "+").first ?? $0 }?.lowercased() ?? ""
            if local == "bounce" {
                recipients.append(.init(address: address, action: "failed", status: EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1),
                                        diagnostic: "550 5.1.1 <\(address)>: mailbox unknown"))
            } else if notifySuccess {
                recipients.append(.init(address: address, action: "delivered", status: EnhancedStatusCode(statusClass: 2, subject: 0, detail: 0),
                                        diagnostic: "250 2.0.0 delivered to the mailbox"))
            }
        }
        guard !recipients.isEmpty else { return }
        let text = DeliveryStatusReport.render(reportingMTA: configuration.hostname, to: message.sender, envelopeID: envelopeID, recipients: recipients,
                                               messageID: "dsn-\(message.id)@\(configuration.hostname)", date: MIMEMessage.date(secondsSince1970: Int64(Date().timeIntervalSince1970)),
                                               boundary: "dsn-\(message.id)")
        let outcome = await reportSessions.send(message: text, envelope: .init(sender: "", recipients: [message.sender]),
                                                to: SMTPClient.Endpoint(host: host, port: port, helloName: configuration.hostname))
        logger.info("sent a delivery status notification", metadata: ["for": "\(message.id)", "to": "\(message.sender)", "outcome": "\(outcome)"])
    }

    private func keep(_ message: SMTPServerStateMachine.Received) {
        if let target = dsnTarget.withLock({ $0 }) { reportQueue.yield((message, target.host, target.port)) }
        logger.debug("took a message", metadata: ["id": "\(message.id)", "from": "\(message.sender)", "to": "\(message.recipients.joined(separator: ","))"])
        taken.withLock { taken in
            taken.append(message)
            if taken.count > configuration.keep { taken.removeFirst(taken.count - configuration.keep) }
        }
    }
}
