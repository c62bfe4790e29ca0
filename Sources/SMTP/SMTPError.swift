/// Everything the SMTP library reports as an error.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case malformedReply(String)
        case lineTooLong(Int)
        case connectionClosed(String)
        case timeout(String)
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

    public var isTransient: Bool {
        switch base {
        case .connectionClosed, .timeout: true
        case .malformedReply, .lineTooLong: true  // a broken server may be mended; try again later
        }
    }

    public var description: String {
        switch base {
        case .malformedReply(let line): "malformed SMTP reply: \(line.debugDescription)"
        case .lineTooLong(let limit): "line longer than \(limit) octets"
        case .connectionClosed(let stage): "connection closed during \(stage)"
        case .timeout(let stage): "no reply in time to \(stage)"
        }
    }
}
