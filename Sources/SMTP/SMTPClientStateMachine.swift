/// One mail transaction on one connection, as the client (RFC 5321): greeting, EHLO (HELO if refused), MAIL, one RCPT
/// per recipient, DATA, the message, QUIT. Pure: fed replies, it says what to send and, once, how it ended; the
/// handler that owns the socket executes that (``SMTPClientHandler``).
public struct SMTPClientStateMachine: Sendable {
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
        case greeting, ehlo, helo, mail, rcpt, data, message
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
        /// Report the outcome (once).
        case finish(Outcome)
        /// Close the connection.
        case close
    }

    private enum State: Sendable, Hashable {
        case greeting, ehlo, helo, mail, rcpt(Int), data, message, quit, done
    }

    private var state = State.greeting
    private var parser = SMTPReplyParser()
    public let envelope: Envelope
    public let helloName: String
    /// The extensions the server listed in its EHLO reply (upper case keywords with their parameters).
    public private(set) var extensions: [String: String] = [:]

    public init(envelope: Envelope, helloName: String) {
        self.envelope = envelope
        self.helloName = helloName
    }

    public var isFinished: Bool { state == .quit || state == .done }

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
            for line in reply.lines.dropFirst() {
                let pieces = line.split(separator: " ", maxSplits: 1)
                guard let keyword = pieces.first else { continue }
                extensions[keyword.uppercased()] = pieces.count > 1 ? String(pieces[1]) : ""
            }
            return mailFrom()
        case .helo:
            guard reply.code == 250 else { return refuse(reply, .helo) }
            return mailFrom()
        case .mail:
            guard reply.code == 250 else { return refuse(reply, .mail) }
            return recipient(0)
        case .rcpt(let index):
            guard reply.code == 250 || reply.code == 251 else { return refuse(reply, .rcpt) }
            if index + 1 < envelope.recipients.count { return recipient(index + 1) }
            state = .data
            return [.send("DATA")]
        case .data:
            guard reply.code == 354 else { return refuse(reply, .data) }
            state = .message
            return [.sendMessage]
        case .message:
            guard reply.code == 250 else { return refuse(reply, .message) }
            state = .quit
            return [.finish(.accepted(reply)), .send("QUIT")]
        case .quit:
            state = .done
            return [.close]
        case .done:
            return []
        }
    }

    /// The connection closed or failed: an outcome if none was given yet.
    public mutating func closed(_ error: SMTPError? = nil) -> [Action] {
        switch state {
        case .quit, .done:
            state = .done
            return []
        default:
            return fail(error ?? .connectionClosed(stageName))
        }
    }

    /// No reply in time.
    public mutating func timedOut() -> [Action] {
        switch state {
        case .quit, .done:
            state = .done
            return [.close]
        default:
            return fail(.timeout(stageName))
        }
    }

    private var stageName: String {
        switch state {
        case .greeting: "the greeting"
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .mail: "MAIL FROM"
        case .rcpt: "RCPT TO"
        case .data: "DATA"
        case .message: "the message"
        case .quit, .done: "QUIT"
        }
    }

    private mutating func mailFrom() -> [Action] {
        state = .mail
        var command = "MAIL FROM:<\(envelope.sender)>"
        if extensions["DSN"] != nil, !envelope.mailDSNParameters.isEmpty { command += " " + envelope.mailDSNParameters.joined(separator: " ") }
        return [.send(command)]
    }

    private mutating func recipient(_ index: Int) -> [Action] {
        state = .rcpt(index)
        var command = "RCPT TO:<\(envelope.recipients[index])>"
        if extensions["DSN"] != nil, !envelope.recipientDSNParameters.isEmpty { command += " " + envelope.recipientDSNParameters.joined(separator: " ") }
        return [.send(command)]
    }

    private mutating func refuse(_ reply: SMTPReply, _ stage: Stage) -> [Action] {
        state = .quit
        return [.finish(.refused(reply, stage)), .send("QUIT")]
    }

    private mutating func fail(_ error: SMTPError) -> [Action] {
        state = .done
        return [.finish(.failed(error)), .close]
    }
}
