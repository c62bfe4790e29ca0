import NIOCore
import NIOHTTP1

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

    init(idleTimeout: TimeAmount) {
        self.idleTimeout = idleTimeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let task = unwrapOutboundIn(data)
        promise?.succeed(())
        guard self.task == nil else {
            task.promise.fail(CallbackClientError.protocolError("a second request on a busy connection"))
            return
        }
        self.task = task
        run(machine.requestStarted(), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): run(machine.headReceived(head), context: context)
        case .body: break
        case .end: run(machine.endReceived(), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(machine.connectionClosed(), context: context)
        idleTimer?.cancel()
        idleTimer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
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
