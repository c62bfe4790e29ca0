import Foundation
import HeraldConnectors
import HeraldCore
import Logging
import NIOCore
import SMTP

/// E-mail through an SMTP relay: one connection per message (at most ``SMTPConnectorConfiguration/concurrency`` at
/// once), a MIME message, the VERP envelope sender `bounces+<message id>@<bounce_domain>` and, where the relay offers
/// DSN (RFC 3461), `RET=HDRS ENVID=<message id>` and `NOTIFY=SUCCESS,FAILURE,DELAY`, so a later bounce names its message.
/// The relay's answer becomes the status (``SMTPOutcome``): 250 SENT, 4xx DEFERRED, 5xx to the recipient UNDELIVERED.
public final class SMTPConnector: Connector {
    public let configuration: SMTPConnectorConfiguration
    public var name: String { configuration.name }
    public let channels: Set<HeraldCore.Channel> = [.email]
    private let slots: ConnectionSlots
    private let logger: Logger

    public init(configuration: SMTPConnectorConfiguration, logger: Logger = Logger(label: "herald.smtp")) {
        self.configuration = configuration
        self.logger = logger
        slots = ConnectionSlots(limit: max(1, configuration.concurrency))
    }

    public var health: ConnectorHealth {
        ConnectorHealth(name: name, type: "smtp", channels: ["email"], isUp: true,
                        detail: "\(configuration.mode.rawValue) via \(configuration.host):\(configuration.port)")
    }

    public func submit(_ submission: Submission) async -> SubmitResult {
        let messageID = submission.messageID
        let from = submission.from ?? configuration.defaultFrom ?? "no-reply@\(configuration.bounceDomain)"
        var headers: [(name: String, value: String)] = []
        if let replyTo = submission.replyTo { headers.append(("Reply-To", replyTo)) }
        headers.append(("X-Herald-Message-Id", messageID))
        let message = MIMEMessage(
            from: from, to: submission.to, subject: submission.subject ?? "", text: submission.text.isEmpty && submission.html != nil ? nil : submission.text,
            html: submission.html, messageID: "\(messageID).\(submission.attempt)@\(configuration.bounceDomain)", date: MIMEMessage.date(secondsSince1970: Int64(Date().timeIntervalSince1970)),
            headers: headers
        )
        let envelope = SMTPClientStateMachine.Envelope(
            sender: "bounces+\(messageID)@\(configuration.bounceDomain)", recipients: [submission.to],
            mailDSNParameters: ["RET=HDRS", "ENVID=\(messageID)"], recipientDSNParameters: ["NOTIFY=SUCCESS,FAILURE,DELAY"]
        )
        await slots.acquire()
        let outcome = await SMTPClient.send(message: message.rendered(boundary: "herald-\(messageID)"), envelope: envelope,
                                            host: configuration.host, port: configuration.port, helloName: configuration.helloName,
                                            timeout: configuration.timeout, connectTimeout: configuration.connectTimeout)
        slots.release()
        if case .failed(let error) = outcome {
            logger.warning("SMTP delivery attempt failed", metadata: ["connector": "\(name)", "message": "\(messageID)", "error": "\(error)"])
        }
        return SMTPOutcome.result(outcome, providerID: messageID)
    }

}
