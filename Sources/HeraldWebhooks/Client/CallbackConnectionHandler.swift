import NIOCore
import NIOHTTP1
import NIOTLS

/// Executes ``CallbackConnectionStateMachine``'s actions on one channel: writes each ``CallbackTask``'s request,
/// arms its timeout, drops the response body, completes the task's promise and closes the connection when it can no
/// longer be trusted or has been idle for `idleTimeout`.
final class CallbackConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = CallbackTask
    typealias OutboundOut = HTTPClientRequestPart

    private var machine = CallbackConnectionStateMachine()
    private var task: CallbackTask?
    private var timeout: Scheduled<Void>?
    private let idleTimeout: TimeAmount
    private var idleSince = NIODeadline.now()
    private var idleTimer: Scheduled<Void>?

    /// Completed once the connection can carry a request: when it is active, or for TLS when the handshake is done.
    /// Failed with the reason if it closes or fails first (a refused certificate, a reset).
    private var ready: EventLoopPromise<Void>?
    private let waitsForHandshake: Bool
    private let endpointName: String

    /// When a handshake that has not finished gives up (a receiver that accepts TCP and never answers TLS).
    private let readyDeadline: NIODeadline
    private var readyTimer: Scheduled<Void>?

    init(idleTimeout: TimeAmount, ready: EventLoopPromise<Void>? = nil, waitsForHandshake: Bool = false, endpointName: String = "",
         readyDeadline: NIODeadline = .distantFuture) {
        self.idleTimeout = idleTimeout
        self.ready = ready
        self.waitsForHandshake = waitsForHandshake
        self.endpointName = endpointName
        self.readyDeadline = readyDeadline
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForHandshake {
            becameReady()
        } else if ready != nil {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            readyTimer = context.eventLoop.scheduleTask(deadline: readyDeadline) {
                let (handler, context) = bound.value
                if handler.failReady("no TLS handshake before the request's deadline") { context.close(promise: nil) }
            }
        }
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive, !waitsForHandshake { becameReady() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { becameReady() }
        context.fireUserInboundEventTriggered(event)
    }

    private func becameReady() {
        readyTimer?.cancel()
        readyTimer = nil
        let ready = self.ready
        self.ready = nil
        ready?.succeed(())
    }

    /// The connection ended before it was ready: the pool's connect fails with this reason.
    private func failReady(_ reason: String) -> Bool {
        guard let ready else { return false }
        readyTimer?.cancel()
        readyTimer = nil
        self.ready = nil
        ready.fail(CallbackClientError.connectFailed(to: endpointName, reason))
        return true
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let task = unwrapOutboundIn(data)
        promise?.succeed(())
        switch machine.requestStarted() {
        case .sendRequest:
            self.task = task
            run(.sendRequest, context: context)
        case .fail(let error, _):
            // Busy or closed: this task fails; the one under way (if any) is left alone.
            task.promise.fail(error)
        case .succeed, .closeConnection, .none:
            break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): run(machine.headReceived(head), context: context)
        case .body: break
        case .end: run(machine.endReceived(), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        _ = failReady("the connection closed during the TLS handshake")
        run(machine.connectionClosed(), context: context)
        idleTimer?.cancel()
        idleTimer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failReady(String(describing: error)) {
            context.close(promise: nil)
            return
        }
        run(machine.errorCaught(String(describing: error)), context: context)
    }

    private func run(_ action: CallbackConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .sendRequest:
            guard let task else { return }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            timeout = context.eventLoop.scheduleTask(deadline: task.deadline) {
                let (handler, context) = bound.value
                handler.run(handler.machine.timedOut(.timedOut(after: task.timeout)), context: context)
            }
            context.write(wrapOutboundOut(.head(task.request.head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(task.request.body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .succeed(let status, let reusable):
            let finished = finishTask()
            if reusable {
                idleSince = .now()
                armIdleTimer(context: context)
            } else {
                context.close(promise: nil)
            }
            finished?.promise.succeed(CallbackResponse(status: status, reusable: reusable))
        case .fail(let error, let closeConnection):
            let finished = finishTask()
            if closeConnection { context.close(promise: nil) }
            finished?.promise.fail(error)
        case .closeConnection:
            context.close(promise: nil)
        case .none:
            break
        }
    }

    private func finishTask() -> CallbackTask? {
        timeout?.cancel()
        timeout = nil
        defer { task = nil }
        return task
    }

    /// One timer per idle period, not one per request: it closes the connection once it has been idle for
    /// `idleTimeout`, or looks again when that would be.
    private func armIdleTimer(context: ChannelHandlerContext) {
        guard idleTimer == nil else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(deadline: idleSince + idleTimeout) {
            let (handler, context) = bound.value
            handler.idleTimer = nil
            guard handler.machine.state == .idle else { return }
            if NIODeadline.now() >= handler.idleSince + handler.idleTimeout {
                handler.run(.closeConnection, context: context)
            } else {
                handler.armIdleTimer(context: context)
            }
        }
    }
}
