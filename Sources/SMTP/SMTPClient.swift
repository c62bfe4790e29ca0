import NIOCore
import NIOPosix

/// Sends one message over a new connection and says how it ended. Never throws: a connection that cannot be made,
/// breaks, or a server that does not answer in time is a ``SMTPClientStateMachine/Outcome/failed(_:)``.
public enum SMTPClient {
    public static func send(message: String, envelope: SMTPClientStateMachine.Envelope, host: String, port: Int, helloName: String,
                            timeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(10),
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> SMTPClientStateMachine.Outcome {
        let loop = group.next()
        let outcome = loop.makePromise(of: SMTPClientStateMachine.Outcome.self)
        let data = SMTPData.stuffed(message)
        let machine = SMTPClientStateMachine(envelope: envelope, helloName: helloName)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(maximumLength: 4096)))
                    try channel.pipeline.syncOperations.addHandler(SMTPClientHandler(machine: machine, message: data, timeout: timeout, outcome: outcome))
                }
            }
        do {
            _ = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            outcome.succeed(.failed(.connectionClosed("connect to \(host):\(port): \(error)")))
        }
        return (try? await outcome.futureResult.get()) ?? .failed(.connectionClosed("the connection"))
    }
}
