import Foundation
import HeraldConnectors
import HeraldCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SMTP
import Synchronization

/// `herald serve --smtp-inbound-port N`: takes the mail that comes back to the bounce domains of the SMTP connectors
/// (delivery status notifications, RFC 3464) and turns each into receipts for the messages they name: the
/// `Original-Envelope-Id` Herald sent as ENVID, else the VERP token of the address (`bounces+<message id>@domain`).
/// `Action: delivered` is DELIVERED, `failed` UNDELIVERED with the reason from its `Status`, `delayed` DEFERRED
/// (the relay keeps trying), `relayed` SENT. An abuse feedback report (ARF, RFC 5965) is a COMPLAINED event (the
/// address is then suppressed) for the message it names. Mail for any other domain is refused (never an open relay);
/// the 250 is given only once the receipts are stored.
public final class BounceListener: Service {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Bounce domain (lower case) -> the connector whose messages use it.
        public var domains: [String: String]
        /// Connector -> how its messages' tokens are read (signed or not); a connector not named here signs nothing.
        public var tokens: [String: BounceToken]
        public var maximumSize = 1 << 20
        /// Connections open at once; one more is answered 421 (the sending MTA tries again later).
        public var maximumConnections = 100
        /// Its certificate: STARTTLS is offered (sending MTAs use it when offered, so DSNs, which quote the
        /// message's headers, do not cross the network in clear).
        public var tls: SMTPTLS?
        public init(host: String, port: Int, domains: [String: String], tokens: [String: BounceToken] = [:]) {
            self.host = host
            self.port = port
            self.domains = domains
            self.tokens = tokens
        }
    }

    private let configuration: Configuration
    private let sink: ReceiptSink
    private let logger: Logger
    private let listener = SMTPListener()
    public typealias InboundSink = @Sendable (InboundMessage, _ acknowledge: @escaping @Sendable () -> Void) -> Void
    /// Takes mail that is neither a DSN nor a complaint (a reply, an auto-reply, a bounce Herald cannot read) to store
    /// it, and acknowledges once stored (``InboundRecorder/deliver(_:acknowledge:)``).
    private let inbound: InboundSink?

    /// Opts out the recipient of the message an unsubscribe mail names (`unsubscribe+<token>@<bounce domain>`, the
    /// mailto of `List-Unsubscribe`); calls back with true once stored, false when it could not be (the sender's MTA is
    /// then told to try again).
    public typealias UnsubscribeSink = @Sendable (_ messageID: String, _ stored: @escaping @Sendable (Bool) -> Void) -> Void
    private let unsubscribe: UnsubscribeSink?

    /// `inbound`: stores the other mail as an inbound message (without it, such mail is logged and dropped).
    /// `unsubscribe`: opts out the recipient of the message an unsubscribe mail names (without it, such mail is inbound).
    public init(configuration: Configuration, sink: ReceiptSink, inbound: InboundSink? = nil, unsubscribe: UnsubscribeSink? = nil,
                logger: Logger = Logger(label: "herald.bounces")) {
        self.configuration = configuration
        self.sink = sink
        self.inbound = inbound
        self.unsubscribe = unsubscribe
        self.logger = logger
    }

    /// The port it listens on, once listening.
    public func port() async throws -> Int { try await listener.port() }

    public func run() async throws {
        let configuration = configuration
        let server = try await listener.bind(host: configuration.host, port: configuration.port, idleTimeout: .seconds(60),
                                             maximumConnections: configuration.maximumConnections, tls: configuration.tls) { _ in
            SMTPServerStateMachine(hostname: configuration.domains.keys.sorted().first ?? "herald", maximumSize: configuration.maximumSize,
                                   maximumRecipients: 10, security: .init(offersStartTLS: configuration.tls != nil)) { recipient in
                Self.domain(of: recipient).flatMap { configuration.domains[$0] } != nil
                    ? .accept : .refuse(SMTPReply(code: 550, "5.7.1 <\(recipient)>: relay access denied"))
            }
        } onMessage: { [weak self] message, done in
            guard let self else { return done(false) }
            self.take(message, done: done)
        }
        let port = try await listener.port()
        logger.info("bounce listener on SMTP", metadata: ["address": "\(configuration.host):\(port)",
                                                         "domains": "\(configuration.domains.keys.sorted().joined(separator: ","))"])
        // Stops on a graceful shutdown and also when its task is cancelled (a group whose other service failed).
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await server.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            server.close(promise: nil)
        }
    }

    /// Turns one received mail into receipts; `done(true)` once all are stored.
    func take(_ message: SMTPServerStateMachine.Received, done: @escaping SMTPServerHandler.Done) {
        if let unsubscribe, let messageID = Self.unsubscribeMessageID(message, domains: configuration.domains, tokens: configuration.tokens) {
            logger.notice("unsubscribe by mail", metadata: ["message": "\(messageID)", "from": "\(LogText.escaped(message.sender))"])
            unsubscribe(messageID) { stored in done(stored) }
            return
        }
        let receipts = Self.receipts(for: message, domains: configuration.domains, tokens: configuration.tokens, now: Date())
        if receipts.isEmpty, Self.hasUnverifiedToken(message, domains: configuration.domains, tokens: configuration.tokens) {
            logger.warning("a delivery report for the bounce domain names no message Herald signed; not believed, kept as an inbound message", metadata: [
                "from": "\(LogText.escaped(message.sender))", "to": "\(LogText.escaped(message.recipients.joined(separator: ",")))",
            ])
        }
        if receipts.isEmpty, let inbound, let stored = Self.inboundMessage(for: message, domains: configuration.domains, tokens: configuration.tokens, now: Date()) {
            // A reply, an auto-reply or a report Herald cannot read: kept as it came, linked to the message it names.
            logger.notice("mail to the bounce domain that is no delivery report; storing it as an inbound message", metadata: [
                "id": "\(stored.id)", "names": "\(stored.inReplyTo ?? "-")", "from": "\(LogText.escaped(stored.from))",
            ])
            inbound(stored) { done(true) }
            return
        }
        guard !receipts.isEmpty else {
            logger.notice("mail to the bounce domain that names no message or holds no delivery status; taken and dropped", metadata: [
                "from": "\(LogText.escaped(message.sender))", "to": "\(LogText.escaped(message.recipients.joined(separator: ",")))",
                "start": "\(LogText.escaped(String(message.data.prefix(200))))",
            ])
            return done(true)
        }
        let pending = ManagedCounter(receipts.count)
        for receipt in receipts {
            sink.deliver(receipt) { if pending.decrement() == 0 { done(true) } }
        }
    }

    /// The receipts one mail stands for (pure; tests call it with fixtures).
    static func receipts(for message: SMTPServerStateMachine.Received, domains: [String: String], tokens: [String: BounceToken] = [:],
                         now: Date) -> [ProviderReceipt] {
        guard let (address, connector) = addressee(of: message, domains: domains)
        else { return [] }
        let token = tokens[connector] ?? BounceToken(secret: nil)
        // A complaint quotes the original message, which may hold anything (even status codes): read it first.
        let lines = DeliveryStatusNotification.lines(message.data)
        if let feedback = FeedbackReport.parse(lines: lines) {
            guard feedback.isComplaint, let messageID = complaintMessageID(feedback, address: address, token: token) else { return [] }
            let detail = ProviderDetail(status: "complaint", errorCode: feedback.feedbackType,
                                        text: String(("feedback report" + (feedback.userAgent.map { " from \($0)" } ?? "")
                                            + (feedback.originalRecipient.map { " for \($0)" } ?? "")).prefix(500)))
            return [ProviderReceipt(connector: connector, providerMessageID: messageID, kind: .engagement(.complained), reason: .spamComplaint,
                                    occurredAt: now, receivedAt: now, detail: detail)]
        }
        guard let report = DeliveryStatusNotification.parse(message.data, lines: lines) else { return [] }
        guard let named = report.envelopeID.flatMap({ $0.isEmpty ? nil : $0 }) ?? verpToken(address), let messageID = token.messageID(in: named)
        else { return [] }
        return report.recipients.compactMap { recipient -> ProviderReceipt? in
            let kind: EventKind
            var reason: ReasonCode?
            switch recipient.action {
            case "delivered": kind = .status(.delivered)
            case "relayed", "expanded": kind = .status(.sent)
            case "delayed":
                kind = .status(.deferred)
                reason = recipient.status.map(SMTPOutcome.reason(for:)) ?? .softBounce
            case "failed":
                kind = .status(.undelivered)
                reason = recipient.status.map(SMTPOutcome.reason(for:)) ?? .hardBounce
            default: return nil
            }
            let detail = ProviderDetail(status: recipient.action, errorCode: recipient.status?.description,
                                        text: recipient.diagnostic.map { String($0.prefix(500)) })
            return ProviderReceipt(connector: connector, providerMessageID: messageID, kind: kind, reason: reason, occurredAt: now,
                                   receivedAt: now, detail: detail)
        }
    }

    /// Kept mail: at most this much of it.
    static let inboundLimit = 256 * 1024

    /// Mail for the bounce domain that is no report, as an inbound message: from its envelope sender (else its From),
    /// to the address it came to, the whole message as text (up to 256 KiB), naming the message its address's token
    /// (`bounces+<id>@`, `replies+<id>@`) or its `In-Reply-To` (`<msg_....N@...>`) names.
    static func inboundMessage(for message: SMTPServerStateMachine.Received, domains: [String: String], tokens: [String: BounceToken] = [:],
                               now: Date) -> InboundMessage? {
        guard let (address, connector) = addressee(of: message, domains: domains)
        else { return nil }
        let token = tokens[connector] ?? BounceToken(secret: nil)
        let headers = DeliveryStatusNotification.fieldGroups(Array(DeliveryStatusNotification.lines(String(message.data.prefix(64 * 1024))).prefix { !$0.isEmpty })).first ?? [:]
        var from = message.sender
        if from.isEmpty, let header = headers["from"] {
            from = DeliveryStatusNotification.trim(header)
        }
        var inReplyTo = verpToken(address).flatMap(token.messageID(in:))
        if inReplyTo == nil, let header = headers["in-reply-to"] {
            let id = FeedbackReport.unbracketed(DeliveryStatusNotification.trim(header))
            if id.hasPrefix("msg_"), let dot = id.firstIndex(of: ".") { inReplyTo = String(id[..<dot]) }
        }
        var text = message.data
        if text.utf8.count > inboundLimit { text = String(decoding: Array(text.utf8.prefix(inboundLimit)), as: UTF8.self) + "\r\n[truncated by Herald]" }
        var inbound = InboundMessage(connector: connector, from: String(from.prefix(320)), to: address, text: text, receivedAt: now, inReplyTo: inReplyTo)
        inbound.channel = .email
        return inbound
    }

    /// The message a complaint is about: the VERP token of the reported message's envelope sender, else its
    /// `X-Herald-Message-Id`, else its `Message-ID` (`<msg_....N@domain>`), else the address the report came to. With
    /// signed tokens only a token Herald signed counts (the headers of a quoted message can say anything).
    static func complaintMessageID(_ feedback: FeedbackReport, address: String, token: BounceToken = BounceToken(secret: nil)) -> String? {
        if token.isSigned {
            return (feedback.originalMailFrom.flatMap(verpToken) ?? verpToken(address)).flatMap(token.messageID(in:))
        }
        if let token = feedback.originalMailFrom.flatMap(verpToken) { return token }
        if let header = feedback.originalHeaders["x-herald-message-id"], !header.isEmpty, !header.contains(" ") { return header }
        if let messageID = feedback.originalHeaders["message-id"].map(FeedbackReport.unbracketed), messageID.hasPrefix("msg_"),
           let dot = messageID.firstIndex(of: ".") {
            return String(messageID[..<dot])
        }
        return verpToken(address)
    }

    static func domain(of address: String) -> String? { EmailAddress.domain(of: address) }

    /// The first recipient at a bounce domain, and the connector that domain belongs to.
    static func addressee(of message: SMTPServerStateMachine.Received, domains: [String: String]) -> (address: String, connector: String)? {
        for address in message.recipients {
            if let connector = domain(of: address).flatMap({ domains[$0] }) { return (address, connector) }
        }
        return nil
    }

    /// Whether the mail names a message by a token that does not verify (a forged or altered bounce, or one for a
    /// message sent before the connector had its secret).
    static func hasUnverifiedToken(_ message: SMTPServerStateMachine.Received, domains: [String: String], tokens: [String: BounceToken]) -> Bool {
        guard let (address, connector) = addressee(of: message, domains: domains), let token = tokens[connector], token.isSigned,
              let named = DeliveryStatusNotification.parse(message.data)?.envelopeID.flatMap({ $0.isEmpty ? nil : $0 }) ?? verpToken(address)
        else { return false }
        return token.messageID(in: named) == nil
    }

    /// The message an unsubscribe mail names: sent to `unsubscribe+<token>@<bounce domain>` with a token that verifies.
    static func unsubscribeMessageID(_ message: SMTPServerStateMachine.Received, domains: [String: String], tokens: [String: BounceToken]) -> String? {
        guard let (address, connector) = addressee(of: message, domains: domains), address.lowercased().hasPrefix("unsubscribe+"),
              let token = verpToken(address)
        else { return nil }
        return (tokens[connector] ?? BounceToken(secret: nil)).messageID(in: token)
    }

    /// `bounces+msg_123@domain` -> `msg_123`.
    static func verpToken(_ address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = address[..<at]
        guard let plus = local.firstIndex(of: "+") else { return nil }
        let token = local[local.index(after: plus)...]
        return token.isEmpty ? nil : String(token)
    }
}

/// Counts down from a start, safely from any thread.
final class ManagedCounter: Sendable {
    private let value: Mutex<Int>
    init(_ start: Int) { value = Mutex(start) }
    func decrement() -> Int { value.withLock { $0 -= 1; return $0 } }
}
