#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server side of an SMTP session (RFC 5321), pure: fed command lines (and, after DATA, message lines), it says
/// which replies to write. What becomes of each recipient is asked of ``RecipientPolicy``; a finished message is
/// handed out as an action. It offers STARTTLS (RFC 3207) and AUTH PLAIN and LOGIN (RFC 4954, only under TLS) when
/// its ``Security`` says so.
public struct SMTPServerStateMachine: Sendable {
    /// Checks a user name and password given with AUTH.
    public typealias Authenticator = @Sendable (_ username: String, _ password: String) -> Bool

    public struct Security: Sendable {
        /// Offer STARTTLS (the handler has a TLS configuration).
        public var offersStartTLS = false
        /// The connection is under TLS from its first byte.
        public var implicitTLS = false
        /// Require AUTH before MAIL, with these credentials checked.
        public var authenticator: Authenticator?
        public init(offersStartTLS: Bool = false, implicitTLS: Bool = false, authenticator: Authenticator? = nil) {
            self.offersStartTLS = offersStartTLS
            self.implicitTLS = implicitTLS
            self.authenticator = authenticator
        }
    }

    /// What to do with one recipient.
    public enum Verdict: Sendable, Hashable {
        case accept
        /// Answer with this reply (a 4xx or 5xx).
        case refuse(SMTPReply)
        /// Accept, after this many milliseconds (a slow server).
        case acceptAfter(milliseconds: Int)
        /// Close the connection without a word.
        case drop
    }

    public typealias RecipientPolicy = @Sendable (_ recipient: String) -> Verdict

    /// A message taken at the end of DATA.
    public struct Received: Sendable, Hashable {
        public var sender: String
        public var recipients: [String]
        /// The message as sent, dot-unstuffed, lines joined by CRLF.
        public var data: String
        /// The parameters given with MAIL FROM and each RCPT TO (e.g. `ENVID=...`, `NOTIFY=...`).
        public var mailParameters: [String]
        public var id: String
        /// Whether it came under TLS, and the user it signed in as (AUTH).
        public var secure: Bool
        public var authenticatedAs: String?

        public init(sender: String, recipients: [String], data: String, mailParameters: [String], id: String, secure: Bool = false,
                    authenticatedAs: String? = nil) {
            self.sender = sender
            self.recipients = recipients
            self.data = data
            self.mailParameters = mailParameters
            self.id = id
            self.secure = secure
            self.authenticatedAs = authenticatedAs
        }
    }

    public enum Action: Sendable, Hashable {
        case reply(SMTPReply)
        case replyAfter(SMTPReply, milliseconds: Int)
        case close
        case received(Received)
        /// Start the TLS handshake (after the 220 to STARTTLS is written); call ``tlsEstablished()`` when done.
        case startTLS
    }

    private enum State: Sendable, Hashable {
        case command
        case data
        case tlsHandshake
        case authPlain
        case authLoginUsername
        case authLoginPassword(username: String)
        case closed
    }

    private var state = State.command
    private var greeted = false
    private var sender: String?
    private var mailParameters: [String] = []
    private var recipients: [String] = []
    private var lines: [String] = []
    private var size = 0
    private var counter = 0
    public let hostname: String
    /// Starts the id of each message taken (`PREFIX-1`, `PREFIX-2`, ...): unique per connection.
    public let idPrefix: String
    public let maximumSize: Int
    public let maximumRecipients: Int
    private let policy: RecipientPolicy
    public let security: Security
    public private(set) var isSecure: Bool
    public private(set) var authenticatedAs: String?

    public init(hostname: String, idPrefix: String? = nil, maximumSize: Int = 10 << 20, maximumRecipients: Int = 100,
                security: Security = Security(), policy: @escaping RecipientPolicy) {
        self.hostname = hostname
        self.idPrefix = idPrefix ?? hostname
        self.maximumSize = maximumSize
        self.maximumRecipients = maximumRecipients
        self.security = security
        self.policy = policy
        isSecure = security.implicitTLS
    }

    /// The TLS handshake after STARTTLS completed: a fresh session under TLS (the client says EHLO again).
    public mutating func tlsEstablished() {
        guard state == .tlsHandshake else { return }
        isSecure = true
        greeted = false
        reset()
        state = .command
    }

    /// The greeting to write when the connection opens.
    public func greeting() -> SMTPReply { SMTPReply(code: 220, "\(hostname) ESMTP Herald") }

    public mutating func received(line: String) -> [Action] {
        switch state {
        case .closed: return []
        case .data: return dataLine(line)
        case .command: return command(line)
        case .tlsHandshake: return []  // plain text after STARTTLS is discarded, never obeyed (RFC 3207 section 5)
        case .authPlain:
            state = .command
            return checkPlain(line)
        case .authLoginUsername:
            guard line != "*", let username = Self.decode(line) else { return authCancelled(line) }
            state = .authLoginPassword(username: username)
            return [.reply(SMTPReply(code: 334, "UGFzc3dvcmQ6"))]
        case .authLoginPassword(let username):
            state = .command
            guard line != "*", let password = Self.decode(line) else { return authCancelled(line) }
            return check(username: username, password: password)
        }
    }

    private mutating func command(_ line: String) -> [Action] {
        let verb = line.prefix { $0 != " " && $0 != ":" }.uppercased()
        let argument = line.dropFirst(verb.count).drop { $0 == " " }
        switch verb {
        case "EHLO":
            guard !argument.isEmpty else { return [.reply(SMTPReply(code: 501, "5.5.4 EHLO needs a domain"))] }
            greeted = true
            reset()
            var lines = [hostname, "PIPELINING", "8BITMIME", "SIZE \(maximumSize)", "DSN", "ENHANCEDSTATUSCODES", "SMTPUTF8"]
            if security.offersStartTLS, !isSecure { lines.append("STARTTLS") }
            if security.authenticator != nil, isSecure { lines.append("AUTH PLAIN LOGIN") }
            return [.reply(SMTPReply(code: 250, lines: lines))]
        case "STARTTLS":
            guard security.offersStartTLS, !isSecure else { return [.reply(SMTPReply(code: 503, "5.5.1 TLS not available or already active"))] }
            guard argument.isEmpty else { return [.reply(SMTPReply(code: 501, "5.5.4 STARTTLS takes no argument"))] }
            state = .tlsHandshake
            return [.reply(SMTPReply(code: 220, "2.0.0 ready to start TLS")), .startTLS]
        case "AUTH":
            guard let _ = security.authenticator else { return [.reply(SMTPReply(code: 502, "5.5.1 AUTH not offered"))] }
            guard greeted else { return [.reply(SMTPReply(code: 503, "5.5.1 EHLO first"))] }
            guard isSecure else { return [.reply(SMTPReply(code: 538, "5.7.11 encryption required: STARTTLS first"))] }
            guard authenticatedAs == nil else { return [.reply(SMTPReply(code: 503, "5.5.1 already authenticated"))] }
            let pieces = argument.split(separator: " ")
            switch pieces.first?.uppercased() {
            case "PLAIN":
                if pieces.count > 1 { return checkPlain(String(pieces[1])) }
                state = .authPlain
                return [.reply(SMTPReply(code: 334, ""))]
            case "LOGIN":
                if pieces.count > 1 {
                    guard let username = Self.decode(String(pieces[1])) else { return authCancelled("") }
                    state = .authLoginPassword(username: username)
                    return [.reply(SMTPReply(code: 334, "UGFzc3dvcmQ6"))]
                }
                state = .authLoginUsername
                return [.reply(SMTPReply(code: 334, "VXNlcm5hbWU6"))]
            default:
                return [.reply(SMTPReply(code: 504, "5.5.4 unrecognized authentication mechanism"))]
            }
        case "HELO":
            guard !argument.isEmpty else { return [.reply(SMTPReply(code: 501, "5.5.4 HELO needs a domain"))] }
            greeted = true
            reset()
            return [.reply(SMTPReply(code: 250, hostname))]
        case "MAIL":
            guard greeted else { return [.reply(SMTPReply(code: 503, "5.5.1 EHLO first"))] }
            guard security.authenticator == nil || authenticatedAs != nil else {
                return [.reply(SMTPReply(code: 530, "5.7.0 authentication required"))]
            }
            guard sender == nil else { return [.reply(SMTPReply(code: 503, "5.5.1 nested MAIL command"))] }
            guard let (address, parameters) = Self.path(argument, keyword: "FROM:") else {
                return [.reply(SMTPReply(code: 501, "5.5.4 syntax: MAIL FROM:<address>"))]
            }
            sender = address
            mailParameters = parameters
            return [.reply(SMTPReply(code: 250, "2.1.0 sender ok"))]
        case "RCPT":
            guard sender != nil else { return [.reply(SMTPReply(code: 503, "5.5.1 MAIL first"))] }
            guard let (address, parameters) = Self.path(argument, keyword: "TO:"), !address.isEmpty else {
                return [.reply(SMTPReply(code: 501, "5.5.4 syntax: RCPT TO:<address>"))]
            }
            guard recipients.count < maximumRecipients else { return [.reply(SMTPReply(code: 452, "4.5.3 too many recipients"))] }
            switch policy(address) {
            case .accept:
                recipients.append(address)
                mailParameters += parameters
                return [.reply(SMTPReply(code: 250, "2.1.5 recipient ok"))]
            case .acceptAfter(let milliseconds):
                recipients.append(address)
                mailParameters += parameters
                return [.replyAfter(SMTPReply(code: 250, "2.1.5 recipient ok"), milliseconds: milliseconds)]
            case .refuse(let reply):
                return [.reply(reply)]
            case .drop:
                state = .closed
                return [.close]
            }
        case "DATA":
            guard sender != nil else { return [.reply(SMTPReply(code: 503, "5.5.1 MAIL first"))] }
            guard !recipients.isEmpty else { return [.reply(SMTPReply(code: 554, "5.5.1 no valid recipients"))] }
            state = .data
            lines = []
            size = 0
            return [.reply(SMTPReply(code: 354, "end data with <CR><LF>.<CR><LF>"))]
        case "RSET":
            reset()
            return [.reply(SMTPReply(code: 250, "2.0.0 ok"))]
        case "NOOP":
            return [.reply(SMTPReply(code: 250, "2.0.0 ok"))]
        case "QUIT":
            state = .closed
            return [.reply(SMTPReply(code: 221, "2.0.0 bye")), .close]
        case "VRFY":
            return [.reply(SMTPReply(code: 252, "2.5.2 cannot verify"))]
        default:
            return [.reply(SMTPReply(code: 500, "5.5.2 command not recognized"))]
        }
    }

    private mutating func dataLine(_ line: String) -> [Action] {
        if line == "." {
            state = .command
            counter += 1
            defer { reset() }
            guard size <= maximumSize else { return [.reply(SMTPReply(code: 552, "5.3.4 message larger than \(maximumSize) octets"))] }
            let id = "\(idPrefix)-\(counter)"
            let received = Received(sender: sender ?? "", recipients: recipients, data: lines.joined(separator: "\r\n"), mailParameters: mailParameters,
                                    id: id, secure: isSecure, authenticatedAs: authenticatedAs)
            return [.received(received), .reply(SMTPReply(code: 250, "2.0.0 queued as \(id)"))]
        }
        size += line.utf8.count + 2
        // Past the limit the lines are counted, not kept; the message is refused at its end.
        if size <= maximumSize { lines.append(line.hasPrefix(".") ? String(line.dropFirst()) : line) }
        return []
    }

    /// `AUTH PLAIN`'s response: base64 of `authzid NUL authcid NUL password`.
    private mutating func checkPlain(_ response: String) -> [Action] {
        guard response != "*", let decoded = Self.decode(response) else { return authCancelled(response) }
        let fields = decoded.split(separator: "\0", omittingEmptySubsequences: false)
        guard fields.count == 3 else { return [.reply(SMTPReply(code: 501, "5.5.2 malformed AUTH PLAIN response"))] }
        return check(username: String(fields[1]), password: String(fields[2]))
    }

    private mutating func check(username: String, password: String) -> [Action] {
        guard let authenticator = security.authenticator, authenticator(username, password) else {
            return [.reply(SMTPReply(code: 535, "5.7.8 authentication credentials invalid"))]
        }
        authenticatedAs = username
        return [.reply(SMTPReply(code: 235, "2.7.0 authentication successful"))]
    }

    private mutating func authCancelled(_ line: String) -> [Action] {
        state = .command
        return [.reply(SMTPReply(code: 501, line == "*" ? "5.7.0 authentication cancelled" : "5.5.2 cannot decode base64"))]
    }

    static func decode(_ base64: String) -> String? {
        guard let data = Data(base64Encoded: base64) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private mutating func reset() {
        sender = nil
        recipients = []
        mailParameters = []
        lines = []
        size = 0
    }

    /// `FROM:<address> PARAM=VALUE ...` (the keyword's case and a space after the colon tolerated).
    static func path(_ argument: Substring, keyword: String) -> (String, [String])? {
        guard argument.uppercased().hasPrefix(keyword) else { return nil }
        let rest = argument.dropFirst(keyword.count).drop { $0 == " " }
        guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">") else { return nil }
        let address = String(rest[rest.index(after: rest.startIndex)..<close])
        let parameters = rest[rest.index(after: close)...].split(separator: " ").map(String.init)
        return (address, parameters)
    }
}
