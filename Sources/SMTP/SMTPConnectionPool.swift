import NIOCore
import NIOPosix
import Synchronization

/// Sessions kept open between messages, per server (host and port): a message goes on an idle session to the same
/// server when there is one (its transaction starts with RSET when the last was refused), else on a new connection
/// that is kept afterwards. A session is ended (QUIT) after ``Limits/messagesPerConnection`` transactions, when more
/// than ``Limits/idlePerServer`` would wait, or after ``Limits/idleTimeout`` unused. A kept session the server has
/// closed meanwhile (idle too long, 421, restarted) fails before anything of the message was sent; the message then
/// goes on a new connection, so reuse never turns into a failure the caller sees.
public final class SMTPConnectionPool: Sendable {
    public struct Limits: Sendable, Hashable {
        /// Sessions kept waiting per server; 0 turns reuse off (one connection per message, then QUIT).
        public var idlePerServer: Int
        /// Transactions on one connection before it is ended.
        public var messagesPerConnection: Int
        /// How long a kept session may wait unused.
        public var idleTimeout: TimeAmount

        public init(idlePerServer: Int = 16, messagesPerConnection: Int = 100, idleTimeout: TimeAmount = .seconds(10)) {
            self.idlePerServer = idlePerServer
            self.messagesPerConnection = messagesPerConnection
            self.idleTimeout = idleTimeout
        }

        var reuses: Bool { idlePerServer > 0 && messagesPerConnection > 1 }
    }

    private struct Kept {
        var connection: SMTPConnection
        var transactions: Int
        var since: NIODeadline
    }

    public let limits: Limits
    private let group: any EventLoopGroup
    private let idle = Mutex<[String: [Kept]]>([:])

    public init(limits: Limits = Limits(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.limits = limits
        self.group = group
    }

    /// Sends one message to `endpoint`, on a kept session or a new connection, and says how it ended.
    public func send(message: String, envelope: SMTPClientStateMachine.Envelope, to endpoint: SMTPClient.Endpoint) async -> SMTPClientStateMachine.Outcome {
        let data = SMTPData.stuffed(message)
        let key = "\(endpoint.host):\(endpoint.port)"
        while let kept = take(key) {
            let completion = await kept.connection.send(data, envelope: envelope)
            if Self.neverStarted(completion) { continue }
            keep(kept.connection, transactions: kept.transactions + 1, after: completion, key: key)
            return completion.outcome
        }
        let (completion, connection) = await SMTPClient.open(endpoint, message: data, envelope: envelope, keepOpen: limits.reuses,
                                                             idleTimeout: limits.idleTimeout, group: group)
        if let connection { keep(connection, transactions: 1, after: completion, key: key) }
        return completion.outcome
    }

    /// The sessions waiting for a message to `host`:`port` now.
    public func idleConnections(host: String, port: Int) -> [SMTPConnection] {
        idle.withLock { $0["\(host):\(port)"]?.map(\.connection) ?? [] }
    }

    /// Ends every waiting session (QUIT).
    public func closeIdle() {
        let all = idle.withLock { idle in
            defer { idle = [:] }
            return idle.values.flatMap { $0 }
        }
        for kept in all { kept.connection.quit() }
    }

    /// A kept session that had ended before the transaction began: nothing of the message was sent, nothing was
    /// decided about it; the server closed the session (or says it is closing it: 421).
    private static func neverStarted(_ completion: SMTPClientHandler.Completion) -> Bool {
        guard !completion.messageSent else { return false }
        switch completion.outcome {
        case .failed: return true
        case .refused(let reply, _): return reply.code == 421
        case .accepted: return false
        }
    }

    /// The most recently used waiting session (so that extra sessions age out when the load falls).
    private func take(_ key: String) -> Kept? {
        let now = NIODeadline.now()
        let (found, expired) = idle.withLock { idle -> (Kept?, [Kept]) in
            guard var list = idle.removeValue(forKey: key) else { return (nil, []) }  // unshared while it changes
            // Sessions in the last tenth of their idle timeout are ended here rather than raced against it.
            let usable = TimeAmount.nanoseconds(limits.idleTimeout.nanoseconds * 9 / 10)
            let expired = list.filter { $0.since + usable < now }
            list.removeAll { $0.since + usable < now }
            let found = list.popLast()
            idle[key] = list.isEmpty ? nil : list
            return (found, expired)
        }
        for kept in expired { kept.connection.quit() }
        return found
    }

    /// Keeps the session for the next message, or ends it (spent, not reusable, or enough already waiting).
    private func keep(_ connection: SMTPConnection, transactions: Int, after completion: SMTPClientHandler.Completion, key: String) {
        guard completion.sessionOpen, transactions < limits.messagesPerConnection else { return connection.quit() }
        let kept = idle.withLock { idle in
            guard idle[key, default: []].count < limits.idlePerServer else { return false }
            idle[key, default: []].append(Kept(connection: connection, transactions: transactions, since: .now()))
            return true
        }
        if !kept { connection.quit() }
    }
}
