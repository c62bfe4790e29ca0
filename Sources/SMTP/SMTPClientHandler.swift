import NIOCore
import NIOSSL
import NIOTLS

/// Runs one ``SMTPClientStateMachine`` on a connection: feeds it each line, executes its actions, and fulfils each
/// transaction's promise once. Every step has `timeout` to be answered. On STARTTLS it puts a TLS handler (from `tls`)
/// at the front of the pipeline and tells the machine when the handshake is done. A kept session (the machine's
/// `keepOpen`) waits idle between transactions for at most `idleTimeout`, then ends with QUIT; ``begin(_:message:promise:)``
/// starts the next transaction (on the channel's event loop).
public final class SMTPClientHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// How one transaction ended, and what it leaves of the connection.
    public struct Completion: Sendable, Hashable {
        public var outcome: SMTPClientStateMachine.Outcome
        /// The message went out whole: a connection that broke afterwards may have delivered it.
        public var messageSent: Bool
        /// The session waits for another transaction (kept open, and not refused or broken as a whole).
        public var sessionOpen: Bool
    }

    private var machine: SMTPClientStateMachine
    private var message: [UInt8]
    private var current: EventLoopPromise<Completion>?
    private let timeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Whether the connection was ever made (if not, the connect's own failure is the outcome: ``SMTPClient``).
    private var wasActive = false
    private let tls: SMTPTLS?
    private var context: ChannelHandlerContext?

    /// `message`: the first transaction's DATA section as ``SMTPData/stuffed(_:)`` made it.
    public init(machine: SMTPClientStateMachine, message: [UInt8], timeout: TimeAmount, idleTimeout: TimeAmount = .seconds(30), tls: SMTPTLS? = nil,
                promise: EventLoopPromise<Completion>) {
        self.machine = machine
        self.tls = tls
        self.message = message
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        current = promise
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
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
        fail(.connectionClosed("the connection"))
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
        self.context = nil
        if wasActive { fail(.connectionClosed("the connection's end")) }
    }

    /// The next transaction on this connection (call on its event loop). A session that is no longer idle fails it
    /// at once with nothing sent.
    public func begin(_ envelope: SMTPClientStateMachine.Envelope, message: [UInt8], promise: EventLoopPromise<Completion>) {
        guard current == nil, let context else {
            promise.succeed(Completion(outcome: .failed(.connectionClosed("a session no longer open")), messageSent: false, sessionOpen: false))
            return
        }
        current = promise
        self.message = message
        armTimer(context: context)
        execute(machine.begin(envelope), context: context)
    }

    /// Ends an idle session with QUIT (call on its event loop).
    public func quit() {
        guard let context, machine.isIdle else { return }
        execute(machine.quit(), context: context)
        armTimer(context: context)
    }

    private func fail(_ error: SMTPError) {
        guard let promise = current else { return }
        current = nil
        promise.succeed(Completion(outcome: .failed(error), messageSent: machine.messageSent, sessionOpen: false))
    }

    private func armTimer(context: ChannelHandlerContext) {
        deadline?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if machine.isIdle {
            deadline = context.eventLoop.scheduleTask(in: idleTimeout) {
                let (handler, _) = loopBound.value
                handler.quit()
            }
            return
        }
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
                guard let promise = current else { continue }
                current = nil
                message = []
                promise.succeed(Completion(outcome: result, messageSent: machine.messageSent, sessionOpen: machine.isIdle))
                if machine.isIdle { armTimer(context: context) }
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
