/// What went wrong in the SMPP library: a PDU that cannot be read, or a session that cannot go on.
public struct SMPPError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case malformed
        case tooLong
        case notBound
        case bindRejected
        case responseTimeout
        case connectionClosed
        case windowQueueTimeout
        case rejected
    }

    private let code: Code
    /// A sentence for the log: what happened and on which PDU.
    public let message: String
    /// The status the peer answered with, for `rejected` and `bindRejected`.
    public let status: SMPPCommandStatus?

    private init(_ code: Code, _ message: String, status: SMPPCommandStatus? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public static func malformed(_ message: String) -> SMPPError { SMPPError(.malformed, message) }
    public static func tooLong(_ length: Int, limit: Int) -> SMPPError {
        SMPPError(.tooLong, "command_length \(length) is outside 16...\(limit)")
    }
    public static let notBound = SMPPError(.notBound, "the session is not bound")
    public static func bindRejected(_ status: SMPPCommandStatus) -> SMPPError {
        SMPPError(.bindRejected, "bind refused with \(status)", status: status)
    }
    public static let responseTimeout = SMPPError(.responseTimeout, "no response within the response timeout")
    public static let windowQueueTimeout = SMPPError(.windowQueueTimeout, "the window stayed full for the whole queue timeout")
    public static func connectionClosed(_ why: String) -> SMPPError { SMPPError(.connectionClosed, "connection closed: \(why)") }

    public var isMalformed: Bool { code == .malformed || code == .tooLong }
    public var isBindRejected: Bool { code == .bindRejected }
    /// The peer may or may not have the request (the response never came): retrying can duplicate it.
    public var outcomeUnknown: Bool { code == .responseTimeout || code == .connectionClosed }

    public var description: String { message }

    public static func == (lhs: SMPPError, rhs: SMPPError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
