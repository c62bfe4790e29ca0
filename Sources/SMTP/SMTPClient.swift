import NIOCore
import NIOPosix
import NIOSSL

/// Opens SMTP connections and runs their first transaction. Never throws: a connection that cannot be made, breaks,
/// or a server that does not answer in time is a ``SMTPClientStateMachine/Outcome/failed(_:)``.
public enum SMTPClient {
    /// Where and how to connect: `security` says whether to use TLS (`tls` gives its trust and the name the
    /// certificate must carry) and AUTH.
    public struct Endpoint: Sendable {
        public var host: String
        public var port: Int
        public var helloName: String
        public var security: SMTPClientStateMachine.Security
        public var tls: SMTPTLS?
        public var timeout: TimeAmount
        public var connectTimeout: TimeAmount

        public init(host: String, port: Int, helloName: String, security: SMTPClientStateMachine.Security = .init(), tls: SMTPTLS? = nil,
                    timeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(10)) {
            self.host = host
            self.port = port
            self.helloName = helloName
            self.security = security
            self.tls = tls
            self.timeout = timeout
            self.connectTimeout = connectTimeout
        }
    }

    /// Sends one message over a new connection, then QUIT.
    public static func send(message: String, envelope: SMTPClientStateMachine.Envelope, host: String, port: Int, helloName: String,
                            security: SMTPClientStateMachine.Security = .init(), tls: SMTPTLS? = nil,
                            timeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(10),
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> SMTPClientStateMachine.Outcome {
        let endpoint = Endpoint(host: host, port: port, helloName: helloName, security: security, tls: tls, timeout: timeout, connectTimeout: connectTimeout)
        return await open(endpoint, message: SMTPData.stuffed(message), envelope: envelope, keepOpen: false, group: group).completion.outcome
    }

    /// Opens a connection and runs its first transaction. With `keepOpen` the session then waits idle for the next
    /// (the returned connection, while its completion says `sessionOpen`), for at most `idleTimeout`.
    /// `message`: the DATA section as ``SMTPData/stuffed(_:)`` made it.
    public static func open(_ endpoint: Endpoint, message: [UInt8], envelope: SMTPClientStateMachine.Envelope, keepOpen: Bool,
                            idleTimeout: TimeAmount = .seconds(30),
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> (completion: SMTPClientHandler.Completion, connection: SMTPConnection?) {
        if endpoint.security.tls != .none, endpoint.tls == nil {
            return (.init(outcome: .failed(.tls("TLS asked for without a TLS configuration")), messageSent: false, sessionOpen: false), nil)
        }
        let loop = group.next()
        let promise = loop.makePromise(of: SMTPClientHandler.Completion.self)
        let machine = SMTPClientStateMachine(envelope: envelope, helloName: endpoint.helloName, security: endpoint.security, keepOpen: keepOpen)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(endpoint.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if endpoint.security.tls == .implicit, let tls = endpoint.tls { try channel.pipeline.syncOperations.addHandler(try tls.clientHandler()) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(maximumLength: 4096)))
                    try channel.pipeline.syncOperations.addHandler(SMTPClientHandler(machine: machine, message: message, timeout: endpoint.timeout,
                                                                                     idleTimeout: idleTimeout, tls: endpoint.tls, promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            // Nothing was connected, so the handler never answers: the connect's own failure is the outcome.
            let failed = SMTPClientHandler.Completion(outcome: .failed(.connectFailed("\(endpoint.host):\(endpoint.port): \(error)")), messageSent: false, sessionOpen: false)
            promise.succeed(failed)
            return (failed, nil)
        }
        let completion = (try? await promise.futureResult.get())
            ?? .init(outcome: .failed(.connectionClosed("the connection")), messageSent: false, sessionOpen: false)
        guard keepOpen, completion.sessionOpen else { return (completion, nil) }
        return (completion, SMTPConnection(channel: channel))
    }
}
