import NIOCore
import NIOPosix
import NIOSSL

/// Sends one message over a new connection and says how it ended. Never throws: a connection that cannot be made,
/// breaks, or a server that does not answer in time is a ``SMTPClientStateMachine/Outcome/failed(_:)``.
public enum SMTPClient {
    /// `security` says whether to use TLS (`tls` gives its trust and the name the certificate must carry) and AUTH.
    public static func send(message: String, envelope: SMTPClientStateMachine.Envelope, host: String, port: Int, helloName: String,
                            security: SMTPClientStateMachine.Security = .init(), tls: SMTPTLS? = nil,
                            timeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(10),
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> SMTPClientStateMachine.Outcome {
        let loop = group.next()
        let outcome = loop.makePromise(of: SMTPClientStateMachine.Outcome.self)
        let data = SMTPData.stuffed(message)
        let machine = SMTPClientStateMachine(envelope: envelope, helloName: helloName, security: security)
        if security.tls != .none, tls == nil { return .failed(.tls("TLS asked for without a TLS configuration")) }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if security.tls == .implicit, let tls { try channel.pipeline.syncOperations.addHandler(try tls.clientHandler()) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(maximumLength: 4096)))
                    try channel.pipeline.syncOperations.addHandler(SMTPClientHandler(machine: machine, message: data, timeout: timeout, tls: tls, outcome: outcome))
                }
            }
        do {
            _ = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            outcome.succeed(.failed(.connectFailed("\(host):\(port): \(error)")))
        }
        return (try? await outcome.futureResult.get()) ?? .failed(.connectionClosed("the connection"))
    }
}
