import DKIM
import Foundation
import HeraldConnectors
import HeraldCore
import HeraldLinks
import Logging
import NIOCore
import SMTP
import Synchronization

/// E-mail through an SMTP relay or to each domain's MX: at most ``SMTPConnectorConfiguration/concurrency`` messages
/// at once, each on a session kept open from an earlier message when there is one (``SMTPConnectionPool``); a MIME
/// message, the VERP envelope sender `bounces+<token>@<bounce_domain>` and, where the relay offers DSN (RFC 3461),
/// `RET=HDRS ENVID=<token>`, `NOTIFY=SUCCESS,FAILURE,DELAY` and `ORCPT`, so a later bounce names its message (the
/// token: the message id, signed when the connector has a bounce secret, ``BounceToken``).
/// The relay's answer becomes the status (``SMTPOutcome``): 250 SENT, 4xx DEFERRED, 5xx to the recipient UNDELIVERED.
/// TLS (STARTTLS or implicit, certificates verified) and AUTH as configured; a relay that cannot be reached, or refuses
/// TLS, AUTH or the greeting, is down for a back-off (``RelayHealth``): its messages wait or fail over, not counted
/// as attempts.
public final class SMTPConnector: Connector {
    public let configuration: SMTPConnectorConfiguration
    public var name: String { configuration.name }
    public let channels: Set<HeraldCore.Channel> = [.email]
    private let slots: ConnectionSlots
    private let logger: Logger
    private let tls: SMTPTLS?
    private let relay = Mutex(RelayHealth())
    private let resolver: MXResolver
    private let perDomain = Mutex<[String: ConnectionSlots]>([:])
    private let pacing: Mutex<DomainPacing?>
    private let now: @Sendable () -> Date
    private let links: LinkSigner?
    private let pool: SMTPConnectionPool

    /// Throws when the TLS settings cannot be used (an unreadable `ca_file`). `links`: Herald's signed links (its
    /// public URL), for `List-Unsubscribe`; without them the header is left out.
    public init(configuration: SMTPConnectorConfiguration, links: LinkSigner? = nil, logger: Logger = Logger(label: "herald.smtp"),
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.configuration = configuration
        self.links = links
        self.logger = logger
        self.now = now
        tls = try configuration.makeTLS()
        resolver = MXResolver(staticMX: configuration.staticMX, port: configuration.port, nameserver: configuration.nameserver)
        pacing = Mutex(configuration.perDomainRate.map { DomainPacing(rate: $0) })
        slots = ConnectionSlots(limit: max(1, configuration.concurrency))
        pool = SMTPConnectionPool(limits: configuration.pool)
    }

    deinit {
        pool.closeIdle()
    }

    public var isUp: Bool { relay.withLock { $0.isUp(at: now()) } }

    public var health: ConnectorHealth {
        let relay = relay.withLock { $0 }
        var detail = configuration.mode == .direct ? "direct to each domain's MX (port \(configuration.port))"
            : "relay via \(configuration.host):\(configuration.port)"
        detail += configuration.tls == .none ? "" : " (\(configuration.tls.rawValue) TLS)"
        if let error = relay.lastError {
            detail += "; \(relay.consecutiveFailures) failed connection(s) in a row, last: \(error)"
            if let until = relay.downUntil, !relay.isUp(at: now()) { detail += "; next try at \(Timestamp.format(until))" }
        }
        return ConnectorHealth(name: name, type: "smtp", channels: ["email"], isUp: relay.isUp(at: now()), detail: detail)
    }

    /// The DKIM signer for a From address: its domain, or the nearest parent domain with a signer.
    static func signer(for from: String, among signers: [DKIMSigner]) -> DKIMSigner? {
        guard !signers.isEmpty, let domain = EmailAddress.domain(of: from) else { return nil }
        return signers.filter { domain == $0.domain || domain.hasSuffix("." + $0.domain) }.max { $0.domain.count < $1.domain.count }
    }

    public func submit(_ submission: Submission) async -> SubmitResult {
        let messageID = submission.messageID
        let from = submission.from ?? configuration.defaultFrom ?? "no-reply@\(configuration.bounceDomain)"
        var headers: [(name: String, value: String)] = []
        if let replyTo = submission.replyTo {
            headers.append(("Reply-To", replyTo))
        } else if configuration.collectReplies {
            headers.append(("Reply-To", "replies+\(messageID)@\(configuration.bounceDomain)"))
        }
        let options = submission.messageOptions ?? MessageOptions()
        for (name, value) in options.headers.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        if configuration.listUnsubscribe {
            var targets: [String] = []
            var oneClick = false
            if let links, let accountID = submission.accountID {
                do {
                    // RFC 8058: an https URI, and the POST body a mail client sends to it to unsubscribe at one click.
                    targets.append("<\(try await links.url(.unsubscribe, accountID: accountID, messageID: messageID))>")
                    oneClick = true
                } catch {
                    return .temporaryFailure(.internalError, detail: ProviderDetail(text: "cannot sign the unsubscribe link: \(error)"))
                }
            }
            if configuration.mailtoUnsubscribe {
                // RFC 2369: for mail clients without one-click; the bounce listener reads the token (signed like bounces).
                targets.append("<mailto:unsubscribe+\(configuration.bounceToken.token(for: messageID))@\(configuration.bounceDomain)?subject=unsubscribe>")
            }
            if !targets.isEmpty { headers.append(("List-Unsubscribe", targets.joined(separator: ", "))) }
            if oneClick { headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")) }
        }
        headers.append(("X-Herald-Message-Id", messageID))
        var html = submission.html
        if let links, let accountID = submission.accountID, let original = html, options.trackOpens == true || options.trackClicks == true {
            do {
                let pixel = options.trackOpens == true ? try await links.url(.open, accountID: accountID, messageID: messageID) : nil
                let link: ((String) async throws -> String)? = options.trackClicks == true
                    ? { url in try await links.url(.click, accountID: accountID, messageID: messageID, payload: url) } : nil
                html = try await TrackedHTML.rewrite(original, pixel: pixel, link: link)
            } catch {
                return .temporaryFailure(.internalError, detail: ProviderDetail(text: "cannot sign the tracking links: \(error)"))
            }
        }
        var message = MIMEMessage(
            from: from, to: submission.to, subject: submission.subject ?? "", text: submission.text.isEmpty && submission.html != nil ? nil : submission.text,
            html: html, messageID: "\(messageID).\(submission.attempt)@\(configuration.bounceDomain)", date: MIMEMessage.date(secondsSince1970: Int64(now().timeIntervalSince1970)),
            headers: headers
        )
        message.attachments = options.attachments.map { MIMEMessage.Attachment(filename: $0.filename, contentType: $0.contentType, base64: $0.content) }
        let token = configuration.bounceToken.token(for: messageID)
        // ORCPT (RFC 3461 section 4.2): the recipient as Herald was given it, which a DSN quotes as Original-Recipient
        // even when the relay rewrites the address (aliases, forwarding). An address in UTF-8 goes without it.
        var recipientParameters = ["NOTIFY=SUCCESS,FAILURE,DELAY"]
        if submission.to.utf8.allSatisfy({ $0 < 0x80 }) { recipientParameters.append("ORCPT=rfc822;" + XText.encode(submission.to)) }
        let envelope = SMTPClientStateMachine.Envelope(
            sender: "bounces+\(token)@\(configuration.bounceDomain)", recipients: [submission.to],
            mailDSNParameters: ["RET=HDRS", "ENVID=\(token)"], recipientDSNParameters: recipientParameters
        )
        var rendered = message.rendered(boundary: "herald-\(messageID)")
        if let signer = Self.signer(for: from, among: configuration.dkim) {
            do {
                rendered = try signer.signed(rendered, timestamp: Int64(now().timeIntervalSince1970))
            } catch {
                return .temporaryFailure(.internalError, detail: ProviderDetail(text: "\(error)"))
            }
        }
        guard let domain = EmailAddress.domain(of: submission.to) else {
            return .undeliverable(.invalidAddress, detail: ProviderDetail(text: "no domain in \(submission.to)"))
        }
        if configuration.perDomainRate != nil {
            let time = now().timeIntervalSince1970
            let delay = pacing.withLock { $0?.delay(for: domain, now: time) ?? 0 }
            if delay > 0 { try? await Task.sleep(for: .milliseconds(Int64(delay * 1000))) }
        }
        switch configuration.mode {
        case .relay: return await relay(rendered, envelope: envelope, messageID: messageID)
        case .direct: return await direct(rendered, envelope: envelope, messageID: messageID, domain: domain)
        }
    }

    /// Through the smart host: its 250 is SENT; a relay that cannot be used is down (``RelayHealth``).
    private func relay(_ rendered: String, envelope: SMTPClientStateMachine.Envelope, messageID: String) async -> SubmitResult {
        await slots.acquire()
        let outcome = await pool.send(message: rendered, envelope: envelope, to: endpoint(host: configuration.host, port: configuration.port, tls: tls))
        slots.release()
        let result = SMTPOutcome.result(outcome, providerID: messageID)
        if case .unavailable(let detail) = result {
            let error = detail?.text ?? "\(outcome)"
            relay.withLock { $0.failed(at: now(), error: error) }
            logger.error("SMTP relay unusable; its messages wait", metadata: ["connector": "\(name)", "message": "\(messageID)", "error": "\(error)"])
        } else {
            relay.withLock { $0.succeeded() }
            if case .failed(let error) = outcome {
                logger.warning("SMTP delivery attempt failed", metadata: ["connector": "\(name)", "message": "\(messageID)", "error": "\(error)"])
            }
        }
        return result
    }

    /// To the recipient domain's own mail servers, in MX preference order: the first that takes part in the
    /// transaction decides (its 250 is DELIVERED); one that cannot be reached, or refuses the connection, TLS or the
    /// greeting, passes to the next. A domain that does not exist, or takes no mail (null MX), is UNDELIVERED as a
    /// relay would say it (5.1.2, 5.1.10); a DNS failure or no host answering is DEFERRED.
    private func direct(_ rendered: String, envelope: SMTPClientStateMachine.Envelope, messageID: String, domain: String) async -> SubmitResult {
        let hosts: [MXResolver.Host]
        switch await resolver.resolve(domain) {
        case .hosts(let found): hosts = found
        case .noSuchDomain:
            let code = EnhancedStatusCode(statusClass: 5, subject: 1, detail: 2)
            return .undeliverable(SMTPOutcome.reason(for: code), detail: ProviderDetail(errorCode: code.description, text: "the domain \(domain) does not exist"))
        case .nullMX:
            let code = EnhancedStatusCode(statusClass: 5, subject: 1, detail: 10)
            return .undeliverable(SMTPOutcome.reason(for: code), detail: ProviderDetail(errorCode: code.description, text: "\(domain) takes no mail (null MX)"))
        case .temporaryFailure(let problem):
            return .temporaryFailure(.networkError, detail: ProviderDetail(errorCode: "4.4.3", text: problem))
        }
        let domainSlots = domainSlots(domain)
        await slots.acquire()
        await domainSlots.acquire()
        defer {
            domainSlots.release()
            slots.release()
        }
        var errors: [String] = []
        for host in hosts.prefix(5) {
            let outcome = await pool.send(message: rendered, envelope: envelope,
                                          to: endpoint(host: host.name, port: host.port, tls: tls.map { $0.verifying(host: host.name) }))
            let result = SMTPOutcome.result(outcome, providerID: messageID)
            if case .unavailable(let detail) = result {
                errors.append("\(host.name):\(host.port): \(detail?.text ?? "\(outcome)")")
                continue
            }
            // The recipient's own server has it: delivered, not merely relayed.
            if case .sent(let id, let detail) = result { return .delivered(providerMessageID: id, detail: detail) }
            return result
        }
        logger.warning("no mail server of the domain took the connection", metadata: ["connector": "\(name)", "domain": "\(domain)", "errors": "\(errors)"])
        return .temporaryFailure(.networkError, detail: ProviderDetail(errorCode: "4.4.1", text: String("no mail server of \(domain) answered: \(errors.joined(separator: "; "))".prefix(500))))
    }

    private func endpoint(host: String, port: Int, tls: SMTPTLS?) -> SMTPClient.Endpoint {
        SMTPClient.Endpoint(host: host, port: port, helloName: configuration.helloName, security: configuration.security, tls: tls,
                            timeout: configuration.timeout, connectTimeout: configuration.connectTimeout)
    }

    private func domainSlots(_ domain: String) -> ConnectionSlots {
        perDomain.withLock { slots in
            if let existing = slots[domain] { return existing }
            let created = ConnectionSlots(limit: max(1, configuration.perDomainConcurrency))
            slots[domain] = created
            return created
        }
    }
}
