/// Everything the SMTP library reports as an error.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case malformedReply(String)
        case lineTooLong(Int)
        case connectionClosed(String)
        case timeout(String)
        case tlsUnavailable
        case tls(String)
        case authenticationUnavailable(String?)
        case protocolViolation(String)
        case connectFailed(String)
        case smtputf8Unavailable
    }

    private let base: Base

    /// A reply line that is not `DDD`, `DDD text` or `DDD-text`, or continues with another code.
    public static func malformedReply(_ line: String) -> SMTPError { SMTPError(base: .malformedReply(String(line.prefix(200)))) }
    /// A line longer than the limit (RFC 5321 allows 512 octets for commands and replies, 1000 for text lines).
    public static func lineTooLong(_ limit: Int) -> SMTPError { SMTPError(base: .lineTooLong(limit)) }
    /// The peer closed the connection (during the named stage).
    public static func connectionClosed(_ stage: String) -> SMTPError { SMTPError(base: .connectionClosed(stage)) }
    /// No reply in time (to the named stage).
    public static func timeout(_ stage: String) -> SMTPError { SMTPError(base: .timeout(stage)) }

    /// TLS is required (asked for, or credentials are to be sent) and the server does not offer STARTTLS.
    public static var tlsUnavailable: SMTPError { SMTPError(base: .tlsUnavailable) }
    /// The TLS handshake failed (a certificate not trusted or not for this host, no common protocol version, ...).
    public static func tls(_ detail: String) -> SMTPError { SMTPError(base: .tls(String(detail.prefix(300)))) }
    /// Credentials are configured and the server offers neither AUTH PLAIN nor LOGIN (its AUTH parameters, if any).
    public static func authenticationUnavailable(_ offered: String?) -> SMTPError { SMTPError(base: .authenticationUnavailable(offered)) }
    /// An address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531): it cannot carry this message.
    public static var smtputf8Unavailable: SMTPError { SMTPError(base: .smtputf8Unavailable) }
    /// No connection could be made (refused, unreachable, no answer to the connect).
    public static func connectFailed(_ detail: String) -> SMTPError { SMTPError(base: .connectFailed(String(detail.prefix(300)))) }
    /// The peer broke the protocol in a way that makes going on unsafe.
    public static func protocolViolation(_ detail: String) -> SMTPError { SMTPError(base: .protocolViolation(detail)) }

    /// Whether the connection never got as far as the mail transaction because of the server or the way there (TLS,
    /// AUTH): nothing about the message was said, and every message would meet the same.
    public var isConnectionLevel: Bool {
        switch base {
        case .tlsUnavailable, .tls, .authenticationUnavailable, .connectFailed: true
        case .malformedReply, .lineTooLong, .connectionClosed, .timeout, .protocolViolation, .smtputf8Unavailable: false
        }
    }

    public var isTransient: Bool {
        switch base {
        case .connectionClosed, .timeout, .tlsUnavailable, .tls, .authenticationUnavailable, .protocolViolation, .connectFailed: true
        case .malformedReply, .lineTooLong: true  // a broken server may be mended; try again later
        case .smtputf8Unavailable: false
        }
    }

    public var description: String {
        switch base {
        case .malformedReply(let line): "malformed SMTP reply: \(line.debugDescription)"
        case .lineTooLong(let limit): "line longer than \(limit) octets"
        case .connectionClosed(let stage): "connection closed during \(stage)"
        case .timeout(let stage): "no reply in time to \(stage)"
        case .tlsUnavailable: "the server does not offer STARTTLS and this connection requires TLS"
        case .tls(let detail): "TLS handshake failed: \(detail)"
        case .authenticationUnavailable(let offered):
            "the server offers no AUTH mechanism Herald speaks (PLAIN, LOGIN)" + (offered.map { "; it offers \($0)" } ?? "; it offers no AUTH")
        case .protocolViolation(let detail): "protocol violation: \(detail)"
        case .connectFailed(let detail): "cannot connect: \(detail)"
        case .smtputf8Unavailable: "the address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531)"
        }
    }
}
