import NIOCore

/// Runs one ``SMTPServerStateMachine`` per connection: writes the greeting, feeds it each line, writes its replies,
/// hands each received message to `onMessage`, and closes a connection idle for `idleTimeout`.
public final class SMTPServerHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var machine: SMTPServerStateMachine
    private let onMessage: @Sendable (SMTPServerStateMachine.Received) -> Void
    private let idleTimeout: TimeAmount
    private var idle: Scheduled<Void>?
    private var closing = false

    public init(machine: SMTPServerStateMachine, idleTimeout: TimeAmount = .seconds(300),
                onMessage: @escaping @Sendable (SMTPServerStateMachine.Received) -> Void) {
        self.machine = machine
        self.idleTimeout = idleTimeout
        self.onMessage = onMessage
    }

    public func channelActive(context: ChannelHandlerContext) {
        write(machine.greeting(), context: context)
        armIdle(context: context)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let line = String(decoding: unwrapInboundIn(data).readableBytesView, as: UTF8.self)
        armIdle(context: context)
        for action in machine.received(line: line) {
            switch action {
            case .reply(let reply):
                write(reply, context: context)
            case .replyAfter(let reply, let milliseconds):
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                    let (handler, context) = loopBound.value
                    handler.write(reply, context: context)
                }
            case .close:
                closing = true
                context.close(promise: nil)
            case .received(let message):
                onMessage(message)
            }
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A line too long or a broken connection: say so if possible, then close.
        if let error = error as? SMTPError, !closing {
            write(SMTPReply(code: 500, "5.5.6 \(error)"), context: context)
        }
        closing = true
        context.close(promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        idle?.cancel()
        context.fireChannelInactive()
    }

    private func armIdle(context: ChannelHandlerContext) {
        idle?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idle = context.eventLoop.scheduleTask(in: idleTimeout) {
            let (handler, context) = loopBound.value
            handler.write(SMTPReply(code: 421, "4.4.2 idle too long, closing"), context: context)
            handler.closing = true
            context.close(promise: nil)
        }
    }

    private func write(_ reply: SMTPReply, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeString(reply.wire)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
