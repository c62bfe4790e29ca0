import NIOCore
import NIOSSL
import NIOTLS

/// Runs one ``SMTPServerStateMachine`` per connection: writes the greeting, feeds it each line, writes its replies,
/// hands each received message to `onMessage`, and closes a connection idle for `idleTimeout`.
///
/// A message is acknowledged (the 250 after DATA) only when `onMessage` calls its `done` with true, e.g. once what it
/// carried is stored; with false the client hears `451 4.3.0` and sends it again later. Lines that arrive meanwhile
/// wait, so replies stay in order.
public final class SMTPServerHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer
    public typealias Done = @Sendable (_ stored: Bool) -> Void

    private var machine: SMTPServerStateMachine
    private let onMessage: @Sendable (SMTPServerStateMachine.Received, @escaping Done) -> Void
    private let idleTimeout: TimeAmount
    private var idle: Scheduled<Void>?
    private var closing = false
    private var awaitingStorage = false
    private var waitingLines: [String] = []
    private let tls: SMTPTLS?

    /// `tls`: the server's certificate, for STARTTLS (the machine offers it only when its security says so).
    public init(machine: SMTPServerStateMachine, idleTimeout: TimeAmount = .seconds(300), tls: SMTPTLS? = nil,
                onMessage: @escaping @Sendable (SMTPServerStateMachine.Received, @escaping Done) -> Void) {
        self.machine = machine
        self.tls = tls
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
        guard !awaitingStorage else {
            waitingLines.append(line)
            return
        }
        handle(line, context: context)
    }

    private func handle(_ line: String, context: ChannelHandlerContext) {
        var actions = machine.received(line: line)[...]
        while let action = actions.popFirst() {
            switch action {
            case .received(let message):
                // The reply that follows is the acknowledgement: held until the message is stored.
                guard case .reply(let acknowledgement) = actions.first else { onMessage(message) { _ in }; continue }
                actions.removeFirst()
                awaitingStorage = true
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                onMessage(message) { stored in
                    // `done` may come from any thread: the handler is only touched on its channel's loop.
                    eventLoop.execute { loopBound.value.0.stored(stored, acknowledgement: acknowledgement, context: loopBound.value.1) }
                }
            case .reply(let reply):
                write(reply, context: context)
            case .replyAfter(let reply, let milliseconds):
                // Replies stay in order (a pipelining client reads them so): later lines wait for this one.
                awaitingStorage = true
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                    let (handler, context) = loopBound.value
                    handler.write(reply, context: context)
                    handler.resume(context: context)
                }
            case .close:
                closing = true
                context.close(promise: nil)
            case .startTLS:
                guard let tls else {
                    closing = true
                    context.close(promise: nil)
                    continue
                }
                do {
                    try context.pipeline.syncOperations.addHandler(tls.serverHandler(), position: .first)
                } catch {
                    closing = true
                    context.close(promise: nil)
                }
            }
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            machine.tlsEstablished()
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// On the channel's loop, once `onMessage` called `done`.
    private func stored(_ stored: Bool, acknowledgement: SMTPReply, context: ChannelHandlerContext) {
        write(stored ? acknowledgement : SMTPReply(code: 451, "4.3.0 could not store the message; try again later"), context: context)
        resume(context: context)
    }

    /// Handles the lines that waited for a held reply, until one holds again.
    private func resume(context: ChannelHandlerContext) {
        awaitingStorage = false
        while !awaitingStorage, !closing, !waitingLines.isEmpty {
            handle(waitingLines.removeFirst(), context: context)
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
