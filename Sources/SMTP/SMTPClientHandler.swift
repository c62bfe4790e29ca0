import NIOCore
import NIOSSL
import NIOTLS

/// Runs one ``SMTPClientStateMachine`` on a connection: feeds it each line, executes its actions, and fulfils
/// `outcome` once. Every step has `timeout` to be answered. On STARTTLS it puts a TLS handler (from `tls`) at the
/// front of the pipeline and tells the machine when the handshake is done.
public final class SMTPClientHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var machine: SMTPClientStateMachine
    private let message: [UInt8]
    private let outcome: EventLoopPromise<SMTPClientStateMachine.Outcome>
    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var finished = false
    /// Whether the connection was ever made (if not, the connect's own failure is the outcome: ``SMTPClient``).
    private var wasActive = false
    private let tls: SMTPTLS?

    /// `message`: the DATA section as ``SMTPData/stuffed(_:)`` made it.
    public init(machine: SMTPClientStateMachine, message: [UInt8], timeout: TimeAmount, tls: SMTPTLS? = nil,
                outcome: EventLoopPromise<SMTPClientStateMachine.Outcome>) {
        self.machine = machine
        self.tls = tls
        self.message = message
        self.timeout = timeout
        self.outcome = outcome
    }

    public func channelActive(context: ChannelHandlerContext) {
        wasActive = true
        armTimer(context: context)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        armTimer(context: context)
        execute(machine.received(line: String(decoding: line.readableBytesView, as: UTF8.self)), context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        execute(machine.closed(), context: context)
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            armTimer(context: context)
            execute(machine.tlsEstablished(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        execute(machine.closed(SMTPTLS.smtpError(error)), context: context)
        context.close(promise: nil)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        if !finished, wasActive {
            finished = true
            outcome.succeed(.failed(.connectionClosed("the connection's end")))
        }
    }

    private func armTimer(context: ChannelHandlerContext) {
        deadline?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.execute(handler.machine.timedOut(), context: context)
        }
    }

    private func execute(_ actions: [SMTPClientStateMachine.Action], context: ChannelHandlerContext) {
        // Commands of one step (pipelined MAIL, RCPT, DATA) leave in one flush.
        var unflushed = false
        defer { if unflushed { context.flush() } }
        for action in actions {
            switch action {
            case .send(let command):
                var buffer = context.channel.allocator.buffer(capacity: command.utf8.count + 2)
                buffer.writeString(command)
                buffer.writeStaticString("\r\n")
                context.write(wrapOutboundOut(buffer), promise: nil)
                unflushed = true
            case .sendMessage:
                var buffer = context.channel.allocator.buffer(capacity: message.count)
                buffer.writeBytes(message)
                context.write(wrapOutboundOut(buffer), promise: nil)
                unflushed = true
            case .finish(let result):
                guard !finished else { continue }
                finished = true
                outcome.succeed(result)
            case .startTLS:
                if unflushed {
                    context.flush()
                    unflushed = false
                }
                do {
                    guard let tls else { throw SMTPError.tls("no TLS configuration for STARTTLS") }
                    try context.pipeline.syncOperations.addHandler(try tls.clientHandler(), position: .first)
                } catch {
                    execute(machine.closed(SMTPTLS.smtpError(error)), context: context)
                }
            case .close:
                if unflushed {
                    context.flush()
                    unflushed = false
                }
                deadline?.cancel()
                context.close(promise: nil)
            }
        }
    }
}
