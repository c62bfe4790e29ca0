import Foundation
import HeraldConnectors
import HeraldCore
import HeraldMetrics
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SMPP
import SMSText

/// An SMPP 3.4 client connector: keeps its binds up, submits message parts through a window, and turns
/// receipts and inbound messages into Herald's inputs.
///
/// Receipts are acknowledged (`deliver_sm_resp`) only after the receipt is stored, so a crash loses none:
/// the SMSC sends unacknowledged receipts again. A submit whose response never came (timeout, dropped
/// connection) is reported as a temporary failure and retried: the message may reach the handset twice,
/// but it is never lost.
public final class SMPPConnector: Connector, Service {
    public let configuration: SMPPConnectorConfiguration
    public var name: String { configuration.name }
    public let channels: Set<HeraldCore.Channel> = [.sms]

    let sink: ReceiptSink
    let onInbound: @Sendable (InboundMessage, _ acknowledge: @escaping @Sendable () -> Void) -> Void
    private let group: any EventLoopGroup
    private let pool = SessionPool()
    let board: SessionBoard
    private let limiter: ThroughputLimiter
    private let logger: Logger

    /// - Parameter onInbound: gets each inbound (MO) message; call `acknowledge` once it is stored.
    public init(configuration: SMPPConnectorConfiguration, sink: ReceiptSink,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "herald.smpp"),
                onInbound: @escaping @Sendable (InboundMessage, _ acknowledge: @escaping @Sendable () -> Void) -> Void = { _, acknowledge in acknowledge() }) {
        self.configuration = configuration
        self.sink = sink
        self.group = group
        self.onInbound = onInbound
        self.board = SessionBoard(window: configuration.window)
        self.limiter = ThroughputLimiter(ceiling: configuration.throughput > 0 ? configuration.throughput : nil)
        var logger = logger
        logger[metadataKey: "connector"] = "\(configuration.name)"
        self.logger = logger
    }

    /// Sessions currently bound and able to submit.
    public var boundSessions: Int { pool.count }

    public var isUp: Bool { pool.count > 0 }

    public var health: ConnectorHealth {
        let bound = pool.count
        return ConnectorHealth(
            name: name, type: "smpp", channels: ["sms"], isUp: bound > 0,
            detail: "\(bound) of \(configuration.binds) \(configuration.bindMode == .transceiver ? "transceiver" : "transmitter") sessions bound to \(configuration.host):\(configuration.port) as \(configuration.systemID), window \(configuration.window)"
                + (configuration.throughput > 0 ? ", \(Int(configuration.throughput))/s" : "")
                + (limiter.currentLimit.map { $0 < (configuration.throughput > 0 ? configuration.throughput : .infinity) ? ", slowed to \(Int($0))/s by throttling" : "" } ?? ""),
            sessions: board.sessions(now: Date())
        )
    }

    // MARK: Service

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for index in 0..<configuration.binds {
                switch configuration.bindMode {
                case .transceiver:
                    group.addTask { await self.maintain(.transceiver, index: index) }
                case .transmitterAndReceiver:
                    group.addTask { await self.maintain(.transmitter, index: index) }
                    group.addTask { await self.maintain(.receiver, index: index) }
                }
            }
        }
    }

    /// Keeps one session bound: connect, bind, serve until it drops, back off, again. Unbinds on shutdown.
    private func maintain(_ type: SMPPBindType, index: Int) async {
        var delay = configuration.reconnectDelay.lowerBound
        var logger = logger
        let session = "\(type.rawValue)#\(index)"
        logger[metadataKey: "bind"] = "\(session)"
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            board.connecting(session, now: Date())
            do {
                let (channel, handler) = try await connect(type, logger: logger)
                do {
                    let systemID = try await handler.bound.get()
                    board.bound(session, channel: channel, now: Date())
                    logger.info("SMPP bound", metadata: ["smsc": "\(LogText.escaped(systemID))", "address": "\(configuration.host):\(configuration.port)"])
                    delay = configuration.reconnectDelay.lowerBound
                    if type.canSubmit { pool.add(channel) }
                    HeraldMetrics.smppSession(connector: name, event: "bound")
                    HeraldMetrics.smppBound(connector: name, sessions: pool.count)
                    await withGracefulShutdownHandler {
                        await withTaskCancellationHandler {
                            try? await channel.closeFuture.get()
                        } onCancel: {
                            channel.close(promise: nil)
                        }
                    } onGracefulShutdown: {
                        self.pool.remove(channel)
                        channel.writeAndFlush(ESMEOutbound.unbind, promise: nil)
                    }
                    pool.remove(channel)
                    board.ended(session, channel: channel, error: Task.isShuttingDownGracefully ? nil : "the session closed", now: Date())
                    HeraldMetrics.smppSession(connector: name, event: "closed")
                    HeraldMetrics.smppBound(connector: name, sessions: pool.count)
                    if !Task.isShuttingDownGracefully { logger.warning("SMPP session closed; reconnecting") }
                } catch {
                    channel.close(promise: nil)
                    throw error
                }
            } catch {
                logger.error("SMPP connect or bind failed", metadata: ["error": "\(error)", "retry_in_s": "\(delay)"])
                board.ended(session, channel: nil, error: "connect or bind failed: \(error)", now: Date())
                HeraldMetrics.smppSession(connector: name, event: "bind_failed")
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            delay = min(delay * 2, configuration.reconnectDelay.upperBound)
        }
    }

    private func connect(_ type: SMPPBindType, logger: Logger) async throws -> (any NIOCore.Channel, ESMEChannelHandler) {
        let session = ESMESessionStateMachine.Configuration(
            bindType: type,
            bind: SMPPBind(systemID: configuration.systemID, password: configuration.password, systemType: configuration.systemType),
            window: configuration.window,
            responseTimeout: TimeAmount(configuration.responseTimeout),
            queueTimeout: TimeAmount(configuration.responseTimeout) * 3,
            enquireLinkInterval: TimeAmount(configuration.enquireLinkInterval),
            // No session-wide pause: the throttled submit is sent again by `submit`, spaced by the connector's adaptive
            // rate, which does the slowing down (a pause per throttle starved the window at 30 % throttling).
            throttlePause: .zero
        )
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = ESMEChannelHandler(configuration: session, eventLoop: channel.eventLoop, logger: logger) { [self] pdu, channel in
                        self.handleInbound(pdu, channel: channel)
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(SMPPFrameDecoder()), MessageToByteHandler(SMPPEncoder()), handler,
                    ])
                }
            }
            .connect(host: configuration.host, port: configuration.port).get()
        let handler = try await channel.pipeline.handler(type: ESMEChannelHandler.self).get()
        return (channel, handler)
    }

    // MARK: Submit

    /// Submits one part. A throttled submit (ESME_RTHROTTLED / ESME_RMSGQFUL) never reached the SMSC's queue, so it is
    /// sent again here, at the rate the connector's ``AdaptiveRate`` learns, until ``throttleDeadline``: throttling slows
    /// the connector down but neither loses the message nor uses up one of its attempts.
    public func submit(_ submission: Submission) async -> SubmitResult {
        let pdu = SMPPPDU.submitSM(shortMessage(for: submission), sequenceNumber: 0)
        if let problem = pdu.wireProblem {
            // Never written wrapped or shifted: the SMSC would read message bytes as TLVs and drop the session.
            return .permanentFailure(.invalidMessage, detail: ProviderDetail(text: "not sent: \(problem)"))
        }
        let deadline = ContinuousClock.now + throttleDeadline
        while true {
            guard let channel = await pool.next(waitingUpTo: configuration.bindWait) else {
                return .unavailable(detail: ProviderDetail(text: "no bound SMPP session to \(configuration.host):\(configuration.port)"))
            }
            await limiter.wait()
            let promise = channel.eventLoop.makePromise(of: SMPPPDU.self)
            board.sent(on: channel, now: Date())
            channel.writeAndFlush(ESMEOutbound.request(pdu, promise)).whenFailure { promise.fail($0) }
            do {
                let response = try await promise.futureResult.get()
                board.answered(on: channel, throttled: response.status.asksToSlowDown,
                               error: response.status == .ok ? nil : "submit_sm answered \(response.status.description)", now: Date())
                if response.status.asksToSlowDown {
                    limiter.throttled()
                    HeraldMetrics.smppThrottled(connector: name)
                    if ContinuousClock.now < deadline { continue }
                } else if response.status == .ok {
                    limiter.accepted()
                }
                return Self.classify(response, submission: submission, idFormat: configuration.submitIDFormat)
            } catch let error as SMPPError {
                board.answered(on: channel, throttled: false, error: error.message, now: Date())
                let text = error.outcomeUnknown
                    ? "\(error.message); the SMSC may have taken it, so a retry can deliver it twice"
                    : error.message
                return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(text: text))
            } catch {
                board.answered(on: channel, throttled: false, error: "\(error)", now: Date())
                return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(text: "\(error)"))
            }
        }
    }

    /// How long a throttled submit keeps being sent again before it goes back to the queue (DEFERRED / THROTTLED).
    var throttleDeadline: Duration { configuration.responseTimeout * 3 }

    /// The rate the connector currently spaces submits by (learned from throttling, under `throughput`); nil: none.
    public var currentRateLimit: Double? { limiter.currentLimit }

    /// submit_sm_resp to a connector outcome (spec section 5).
    static func classify(_ response: SMPPPDU, submission: Submission, idFormat: MessageIDFormat) -> SubmitResult {
        let status = response.status
        guard response.commandID == .submitSMResp || status.isTemporary else {
            // generic_nack (whatever its status, 0 included) or an answer of the wrong kind: the SMSC did not take it.
            return .permanentFailure(.providerRejected, detail: ProviderDetail(
                status: status.description, errorCode: "0x" + String(status.rawValue, radix: 16, uppercase: true),
                text: "the SMSC answered submit_sm with \(response.commandID), not submit_sm_resp"))
        }
        let detail = ProviderDetail(status: status.description, errorCode: status == .ok ? nil : "0x" + String(status.rawValue, radix: 16, uppercase: true))
        if status == .ok, response.commandID == .submitSMResp {
            var id = idFormat.canonical(response.messageID ?? "")
            if id.isEmpty { id = "missing-id:\(submission.messageID):\(submission.part)" }
            return .accepted(providerMessageID: id, detail: detail)
        }
        if status.isTemporary {
            let reason: ReasonCode = switch status {
            case .throttled: .throttled
            case .messageQueueFull: .queueFull
            default: .providerUnavailable
            }
            return .temporaryFailure(reason, detail: detail)
        }
        let reason: ReasonCode = switch status {
        case .invalidDestinationAddress, .invalidDestinationTON: .illegalNumber
        case .invalidMessageLength: .invalidMessage
        default: .providerRejected
        }
        return .permanentFailure(reason, detail: detail)
    }
}
