/// A client session on one connection (RFC 5321): greeting, EHLO (HELO if refused), STARTTLS and EHLO again
/// (RFC 3207) when asked for, AUTH (RFC 4954: PLAIN or LOGIN) when given credentials, then a mail transaction: MAIL,
/// one RCPT per recipient, DATA, the message; MAIL, RCPT and DATA in one write when the server offers PIPELINING
/// (RFC 2920), their replies then read in order. Then QUIT, or, when the session is kept open (`keepOpen`), it waits
/// idle for ``begin(_:)`` to start the next transaction on the same connection: after a refused transaction that one
/// starts with RSET, which ends what the server may still hold of the last (RFC 5321 section 4.1.1.5). Pure: fed
/// replies, it says what to send and, once per transaction, how it ended; the handler that owns the socket executes
/// that (``SMTPClientHandler``).
public struct SMTPClientStateMachine: Sendable {
    /// How the connection is protected and whether Herald signs in.
    public struct Security: Sendable, Hashable {
        public enum TLS: Sendable, Hashable {
            /// Plain text throughout.
            case none
            /// STARTTLS after EHLO; `required`: without it the transaction does not go on (else it goes on in clear).
            case startTLS(required: Bool)
            /// TLS from the first byte (the handler's pipeline starts with it; port 465).
            case implicit
        }

        public var tls: TLS
        /// AUTH with these, only ever over TLS (a password never crosses the network in clear).
        public var credentials: Credentials?

        public init(tls: TLS = .none, credentials: Credentials? = nil) {
            self.tls = tls
            self.credentials = credentials
        }
    }

    /// A user name and password for AUTH PLAIN or LOGIN; never printed.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
        public var description: String { "\(username):<redacted>" }
    }

    /// What to send and to whom the message goes.
    public struct Envelope: Sendable, Hashable {
        public var sender: String
        public var recipients: [String]
        /// RFC 3461 DSN parameters, sent only when the server offers DSN: `RET=HDRS ENVID=...` on MAIL, `NOTIFY=...` on RCPT.
        public var mailDSNParameters: [String]
        public var recipientDSNParameters: [String]

        public init(sender: String, recipients: [String], mailDSNParameters: [String] = [], recipientDSNParameters: [String] = []) {
            self.sender = sender
            self.recipients = recipients
            self.mailDSNParameters = mailDSNParameters
            self.recipientDSNParameters = recipientDSNParameters
        }
    }

    /// Where in the transaction a reply came (names the step an outcome is about).
    public enum Stage: String, Sendable, Hashable {
        case greeting, ehlo, helo, starttls, auth, mail, rcpt, data, message
    }

    /// How the transaction ended.
    public enum Outcome: Sendable, Hashable {
        /// The server took the message: its reply to the end of DATA.
        case accepted(SMTPReply)
        /// A 4xx or 5xx (or an unexpected code) at a stage; nothing was taken.
        case refused(SMTPReply, Stage)
        /// The connection broke or the server spoke nonsense before the message was taken.
        case failed(SMTPError)
    }

    public enum Action: Sendable, Hashable {
        /// Write this command line (CRLF is added).
        case send(String)
        /// Write the message (already dot-stuffed and ending in CRLF.CRLF: ``SMTPData``).
        case sendMessage
        /// Start the TLS handshake on the connection (after the server's 220 to STARTTLS); call
        /// ``tlsEstablished()`` when it completes.
        case startTLS
        /// Report the outcome (once).
        case finish(Outcome)
        /// Close the connection.
        case close
    }

    private enum State: Sendable, Hashable {
        case greeting, ehlo, helo, starttls, tlsHandshake, auth(AuthStep), mail, rcpt(Int), data, message, quit, done
        /// Between transactions of a kept session.
        case idle
        /// RSET sent before the next transaction's MAIL.
        case reset
        /// A pipelined transaction was refused; this many replies to its commands are still to come, and then the
        /// refusal is its outcome.
        case draining(Int, Outcome)
    }

    private enum AuthStep: Sendable, Hashable {
        case plain, loginUsername, loginPassword, loginDone
    }

    private var state = State.greeting
    private var parser = SMTPReplyParser()
    /// The current (or last) transaction's envelope.
    public private(set) var envelope: Envelope
    public let helloName: String
    public let security: Security
    /// The extensions the server listed in its last EHLO reply (upper case keywords with their parameters).
    public private(set) var extensions: [String: String] = [:]
    /// Whether the connection is under TLS (from the start, or since STARTTLS).
    public private(set) var isSecure: Bool
    /// MAIL, RCPT and DATA went out together: their replies come in order, and nothing is sent between them.
    public private(set) var isPipelining = false
    /// After a transaction the session waits for the next (``begin(_:)``) instead of sending QUIT.
    public let keepOpen: Bool
    /// The current transaction's message went out (all of it): if the connection breaks now, the server may have it.
    public private(set) var messageSent = false
    /// The last transaction was refused part-way: the next starts with RSET.
    private var needsReset = false

    public init(envelope: Envelope, helloName: String, security: Security = Security(), keepOpen: Bool = false) {
        self.envelope = envelope
        self.helloName = helloName
        self.security = security
        self.keepOpen = keepOpen
        isSecure = security.tls == .implicit
    }

    public var isFinished: Bool { state == .quit || state == .done }

    /// Between transactions of a kept session: ``begin(_:)`` may start the next.
    public var isIdle: Bool { state == .idle }

    /// The next transaction on an idle session (RSET first after a refused one). On a session that is not idle (it
    /// closed, or is quitting) the transaction fails at once, nothing sent.
    public mutating func begin(_ envelope: Envelope) -> [Action] {
        messageSent = false
        guard state == .idle else { return [.finish(.failed(.connectionClosed("a session no longer open")))] }
        self.envelope = envelope
        isPipelining = false
        if needsReset {
            needsReset = false
            state = .reset
            return [.send("RSET")]
        }
        return mailFrom()
    }

    /// Ends an idle session: QUIT, then close on its reply.
    public mutating func quit() -> [Action] {
        guard state == .idle else { return [] }
        state = .quit
        return [.send("QUIT")]
    }

    /// A line from the server.
    public mutating func received(line: String) -> [Action] {
        let reply: SMTPReply
        do {
            guard let complete = try parser.feed(line) else { return [] }
            reply = complete
        } catch {
            return fail(error)
        }
        return received(reply)
    }

    private mutating func received(_ reply: SMTPReply) -> [Action] {
        switch state {
        case .greeting:
            guard reply.code == 220 else { return refuse(reply, .greeting) }
            state = .ehlo
            return [.send("EHLO \(helloName)")]
        case .ehlo:
            guard reply.code == 250 else {
                // An old server: HELO, without extensions.
                state = .helo
                return [.send("HELO \(helloName)")]
            }
            extensions = [:]
            for line in reply.lines.dropFirst() {
                let pieces = line.split(separator: " ", maxSplits: 1)
                guard let keyword = pieces.first else { continue }
                extensions[keyword.uppercased()] = pieces.count > 1 ? String(pieces[1]) : ""
            }
            return greeted()
        case .helo:
            guard reply.code == 250 else { return refuse(reply, .helo) }
            return greeted()
        case .starttls:
            guard reply.code == 220 else {
                if mustBeSecure { return refuse(reply, .starttls) }
                return signIn()  // opportunistic: the server cannot now; go on in clear
            }
            state = .tlsHandshake
            return [.startTLS]
        case .tlsHandshake:
            // Anything the server says between its 220 and the handshake was not protected: an injection (RFC 3207 section 5).
            return fail(.protocolViolation("the server sent data after its 220 to STARTTLS, before the TLS handshake"))
        case .auth(let step):
            return authenticating(step, reply)
        case .mail:
            guard reply.code == 250 else { return refuse(reply, .mail) }
            if isPipelining {
                state = .rcpt(0)
                return []
            }
            return recipient(0)
        case .rcpt(let index):
            guard reply.code == 250 || reply.code == 251 else { return refuse(reply, .rcpt) }
            if index + 1 < envelope.recipients.count {
                if isPipelining {
                    state = .rcpt(index + 1)
                    return []
                }
                return recipient(index + 1)
            }
            state = .data
            return isPipelining ? [] : [.send("DATA")]
        case .data:
            guard reply.code == 354 else { return refuse(reply, .data) }
            state = .message
            messageSent = true
            return [.sendMessage]
        case .message:
            guard reply.code == 250 else { return refuse(reply, .message) }
            if keepOpen {
                state = .idle
                return [.finish(.accepted(reply))]
            }
            state = .quit
            return [.finish(.accepted(reply)), .send("QUIT")]
        case .reset:
            guard reply.code == 250 else {
                // A server that cannot reset its session cannot be trusted with the transaction: nothing sent yet.
                return fail(.protocolViolation("RSET answered \(reply.code)"))
            }
            return mailFrom()
        case .draining(let remaining, let refusal):
            if reply.code == 354 {
                // A server that opened DATA after refusing the transaction: leaving mid-DATA discards it.
                state = .done
                return [.finish(refusal), .close]
            }
            if remaining > 1 {
                state = .draining(remaining - 1, refusal)
                return []
            }
            state = .idle
            return [.finish(refusal)]
        case .quit:
            state = .done
            return [.close]
        case .idle:
            // Unasked: a 421 as the server closes an idle session, or nonsense; either way the session is over.
            state = .quit
            return [.send("QUIT")]
        case .done:
            return []
        }
    }

    /// The TLS handshake after STARTTLS completed: EHLO again (the extensions may differ under TLS).
    public mutating func tlsEstablished() -> [Action] {
        guard state == .tlsHandshake else {
            if security.tls == .implicit { isSecure = true }
            return []
        }
        isSecure = true
        extensions = [:]
        state = .ehlo
        return [.send("EHLO \(helloName)")]
    }

    /// The connection closed or failed: an outcome if none was given yet.
    public mutating func closed(_ error: SMTPError? = nil) -> [Action] {
        switch state {
        case .quit, .done, .idle:
            state = .done
            return []
        case .draining(_, let refusal):
            state = .done
            return [.finish(refusal)]
        default:
            return fail(error ?? .connectionClosed(stageName))
        }
    }

    /// No reply in time.
    public mutating func timedOut() -> [Action] {
        switch state {
        case .quit, .done, .idle:
            state = .done
            return [.close]
        case .draining(_, let refusal):
            state = .done
            return [.finish(refusal), .close]
        default:
            return fail(.timeout(stageName))
        }
    }

    private var stageName: String {
        switch state {
        case .greeting: "the greeting"
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .starttls: "STARTTLS"
        case .tlsHandshake: "the TLS handshake"
        case .auth: "AUTH"
        case .mail: "MAIL FROM"
        case .rcpt: "RCPT TO"
        case .data: "DATA"
        case .message: "the message"
        case .reset: "RSET"
        case .quit, .done, .idle, .draining: "QUIT"
        }
    }

    /// STARTTLS is asked for and the server offers it, or the transaction cannot go on without it.
    private var mustBeSecure: Bool {
        if case .startTLS(required: true) = security.tls { return true }
        return security.credentials != nil
    }

    /// After EHLO (or HELO): STARTTLS when asked for and not yet under TLS, then AUTH, then MAIL.
    private mutating func greeted() -> [Action] {
        if case .startTLS = security.tls, !isSecure {
            if extensions["STARTTLS"] != nil {
                state = .starttls
                return [.send("STARTTLS")]
            }
            if mustBeSecure { return fail(.tlsUnavailable) }
        }
        return signIn()
    }

    private mutating func signIn() -> [Action] {
        guard let credentials = security.credentials else { return mailFrom() }
        guard isSecure else { return fail(.tlsUnavailable) }
        let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") {
            state = .auth(.plain)
            return [.send("AUTH PLAIN " + MIMEMessage.base64(Array("\0\(credentials.username)\0\(credentials.password)".utf8)))]
        }
        if mechanisms.contains("LOGIN") {
            state = .auth(.loginUsername)
            return [.send("AUTH LOGIN")]
        }
        return fail(.authenticationUnavailable(extensions["AUTH"]))
    }

    private mutating func authenticating(_ step: AuthStep, _ reply: SMTPReply) -> [Action] {
        guard let credentials = security.credentials else { return fail(.protocolViolation("AUTH without credentials")) }
        switch step {
        case .plain, .loginDone:
            guard reply.code == 235 else { return refuse(reply, .auth) }
            return mailFrom()
        case .loginUsername:
            guard reply.code == 334 else { return refuse(reply, .auth) }
            state = .auth(.loginPassword)
            return [.send(MIMEMessage.base64(Array(credentials.username.utf8)))]
        case .loginPassword:
            guard reply.code == 334 else { return refuse(reply, .auth) }
            state = .auth(.loginDone)
            return [.send(MIMEMessage.base64(Array(credentials.password.utf8)))]
        }
    }

    private mutating func mailFrom() -> [Action] {
        let needsUTF8 = !([envelope.sender] + envelope.recipients).allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
        if needsUTF8, extensions["SMTPUTF8"] == nil { return fail(.smtputf8Unavailable) }
        state = .mail
        var command = "MAIL FROM:<\(envelope.sender)>"
        if needsUTF8 { command += " SMTPUTF8" }
        if extensions["DSN"] != nil, !envelope.mailDSNParameters.isEmpty { command += " " + envelope.mailDSNParameters.joined(separator: " ") }
        guard extensions["PIPELINING"] != nil else { return [.send(command)] }
        // RFC 2920: MAIL, every RCPT and DATA in one go; the replies are matched in order.
        isPipelining = true
        return [.send(command)] + envelope.recipients.map { .send(rcptCommand($0)) } + [.send("DATA")]
    }

    private mutating func recipient(_ index: Int) -> [Action] {
        state = .rcpt(index)
        return [.send(rcptCommand(envelope.recipients[index]))]
    }

    private func rcptCommand(_ recipient: String) -> String {
        var command = "RCPT TO:<\(recipient)>"
        if extensions["DSN"] != nil, !envelope.recipientDSNParameters.isEmpty { command += " " + envelope.recipientDSNParameters.joined(separator: " ") }
        return command
    }

    private mutating func refuse(_ reply: SMTPReply, _ stage: Stage) -> [Action] {
        // A refused transaction (not the session: 421 closes it) leaves a kept session usable after RSET.
        if keepOpen, reply.code != 421, [.mail, .rcpt, .data, .message].contains(stage) {
            needsReset = true
            if isPipelining, let remaining = outstandingReplies(), remaining > 0 {
                state = .draining(remaining, .refused(reply, stage))
                return []
            }
            state = .idle
            return [.finish(.refused(reply, stage))]
        }
        state = .quit
        return [.finish(.refused(reply, stage)), .send("QUIT")]
    }

    /// Pipelined: the replies still to come after the one that refused (MAIL, each RCPT, DATA were sent together).
    private func outstandingReplies() -> Int? {
        switch state {
        case .mail: envelope.recipients.count + 1
        case .rcpt(let index): envelope.recipients.count - index
        case .data, .message: 0
        default: nil
        }
    }

    private mutating func fail(_ error: SMTPError) -> [Action] {
        state = .done
        return [.finish(.failed(error)), .close]
    }
}
