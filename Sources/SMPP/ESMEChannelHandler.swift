import Logging
import NIOCore

/// What the application writes into an ESME channel.
public enum ESMEOutbound: Sendable {
    /// Send a request (its sequence number is assigned by the session); the promise gets the response.
    case request(SMPPPDU, EventLoopPromise<SMPPPDU>)
    /// Answer an inbound deliver_sm / data_sm (send it after the content is safely stored).
    case respond(SMPPPDU)
    /// Unbind and close; the promise completes when the connection is closed.
    case unbind
}

/// Executes the actions of an ``ESMESessionStateMachine`` on one channel.
///
/// Pipeline: `ByteToMessageHandler(SMPPFrameDecoder())`, `MessageToByteHandler(SMPPEncoder())`, this handler.
/// A PDU that cannot be decoded closes the session with one log line; the process goes on.
public final class ESMEChannelHandler: ChannelDuplexHandler {
    public typealias InboundIn = SMPPPDU
    public typealias OutboundIn = ESMEOutbound
    public typealias OutboundOut = SMPPPDU

    private var machine: ESMESessionStateMachine
    private var promises: [ESMESessionStateMachine.RequestID: EventLoopPromise<SMPPPDU>] = [:]
    private var nextRequestID: ESMESessionStateMachine.RequestID = 1
    private let boundPromise: EventLoopPromise<String>
    private let onInbound: @Sendable (SMPPPDU, any Channel) -> Void
    private let logger: Logger
    private let tickInterval: TimeAmount
    private var tickTask: Scheduled<Void>?

    /// Succeeds with the SMSC's system id once bound; fails if the bind is refused or the link drops first.
    public var bound: EventLoopFuture<String> { boundPromise.futureResult }

    /// - Parameter onInbound: called on the event loop for each deliver_sm / data_sm; answer it with
    ///   `channel.writeAndFlush(ESMEOutbound.respond(...))`.
    public init(configuration: ESMESessionStateMachine.Configuration, eventLoop: any EventLoop, logger: Logger,
                tickInterval: TimeAmount = .milliseconds(100), onInbound: @escaping @Sendable (SMPPPDU, any Channel) -> Void) {
        self.machine = ESMESessionStateMachine(configuration: configuration)
        self.boundPromise = eventLoop.makePromise(of: String.self)
        self.logger = logger
        self.tickInterval = tickInterval
        self.onInbound = onInbound
    }

    public func channelActive(context: ChannelHandlerContext) {
        execute(machine.connected(now: .now()), context: context)
        scheduleTick(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        tickTask?.cancel()
        execute(machine.connectionClosed(), context: context)
        boundPromise.fail(SMPPError.connectionClosed("before the bind completed"))
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        // A connection that never became active (refused, timed out) still owes its waiters an answer.
        tickTask?.cancel()
        boundPromise.fail(SMPPError.connectionClosed("before the bind completed"))
        let waiting = promises
        promises = [:]
        for (_, promise) in waiting { promise.fail(SMPPError.connectionClosed("session removed")) }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        execute(machine.received(unwrapInboundIn(data), now: .now()), context: context)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .request(let pdu, let responsePromise):
            let id = nextRequestID
            nextRequestID += 1
            promises[id] = responsePromise
            execute(machine.request(id, pdu, now: .now()), context: context)
            promise?.succeed()
        case .respond(let pdu):
            context.write(wrapOutboundOut(pdu), promise: promise)
        case .unbind:
            execute(machine.unbind(now: .now()), context: context)
            promise?.succeed()
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? SMPPError, error.isMalformed {
            logger.error("closing SMPP session: malformed PDU from the SMSC", metadata: ["problem": "\(error.message)"])
        } else {
            logger.warning("closing SMPP session after an error", metadata: ["error": "\(error)"])
        }
        context.close(promise: nil)
    }

    private func scheduleTick(context: ChannelHandlerContext) {
        tickTask = context.eventLoop.assumeIsolated().scheduleTask(in: tickInterval) { [self] in
            execute(machine.tick(now: .now()), context: context)
            if context.channel.isActive { scheduleTick(context: context) }
        }
    }

    private func execute(_ actions: [ESMESessionStateMachine.Action], context: ChannelHandlerContext) {
        var wrote = false
        for action in actions {
            switch action {
            case .send(let pdu):
                context.write(wrapOutboundOut(pdu), promise: nil)
                wrote = true
            case .bound(let systemID):
                boundPromise.succeed(systemID)
            case .complete(let id, let result):
                promises.removeValue(forKey: id)?.completeWith(result.mapError { $0 as any Error })
            case .inbound(let pdu):
                onInbound(pdu, context.channel)
            case .close(let reason, let error):
                if wrote { context.flush() }
                wrote = false
                if let error, error.isBindRejected {
                    logger.error("SMPP bind refused", metadata: ["reason": "\(reason)"])
                    boundPromise.fail(error)
                } else if error != nil {
                    logger.warning("closing SMPP session", metadata: ["reason": "\(reason)"])
                } else {
                    logger.info("closing SMPP session", metadata: ["reason": "\(reason)"])
                }
                context.close(promise: nil)
            }
        }
        if wrote { context.flush() }
    }
}
