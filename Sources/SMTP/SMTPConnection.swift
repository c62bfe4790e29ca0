import NIOCore

/// An SMTP session kept open between transactions (``SMTPClient/open(_:message:envelope:keepOpen:idleTimeout:group:)``
/// with `keepOpen`): ``send(_:envelope:)`` runs the next transaction on it, ``quit()`` ends it. Its handler ends it by
/// itself after the idle timeout; a transaction on a session that ended fails at once with nothing sent.
public final class SMTPConnection: Sendable {
    private let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    /// The next transaction. `message`: the DATA section as ``SMTPData/stuffed(_:)`` made it.
    public func send(_ message: [UInt8], envelope: SMTPClientStateMachine.Envelope) async -> SMTPClientHandler.Completion {
        let promise = channel.eventLoop.makePromise(of: SMTPClientHandler.Completion.self)
        let channel = channel
        channel.eventLoop.execute {
            do {
                try channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self).begin(envelope, message: message, promise: promise)
            } catch {
                promise.succeed(.init(outcome: .failed(.connectionClosed("a session no longer open")), messageSent: false, sessionOpen: false))
            }
        }
        return (try? await promise.futureResult.get()) ?? .init(outcome: .failed(.connectionClosed("the connection")), messageSent: false, sessionOpen: false)
    }

    /// QUIT, then the connection closes on the server's reply (or the reply timeout).
    public func quit() {
        let channel = channel
        channel.eventLoop.execute {
            // No handler: the connection has closed already.
            if let handler = try? channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self) { handler.quit() }
        }
    }

    /// Completes when the connection has closed (either side).
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
}
