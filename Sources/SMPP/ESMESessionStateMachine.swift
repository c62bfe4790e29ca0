import NIOCore

/// The client (ESME) side of one SMPP session, as a pure state machine.
///
/// It takes inputs (connected, a PDU arrived, a request from the application, a clock tick, shutdown) and
/// returns ``Action``s for ``ESMEChannelHandler`` to execute. It owns the bind handshake, the window of
/// outstanding requests with their deadlines, the queue behind a full window, the pause after
/// `ESME_RTHROTTLED`/`ESME_RMSGQFUL`, enquire_link keep-alive and dead-link detection, and unbind.
/// Tests drive it with explicit times, no sockets.
public struct ESMESessionStateMachine: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var bindType: SMPPBindType
        public var bind: SMPPBind
        /// Requests outstanding at once before new ones wait in the queue.
        public var window: Int
        /// How long a sent request waits for its response.
        public var responseTimeout: TimeAmount
        /// How long a request may wait for room in the window.
        public var queueTimeout: TimeAmount
        /// Idle time after which an enquire_link is sent; an unanswered one closes the session.
        public var enquireLinkInterval: TimeAmount
        /// How long to send nothing new after the SMSC asked to slow down.
        public var throttlePause: TimeAmount

        public init(bindType: SMPPBindType, bind: SMPPBind, window: Int = 10, responseTimeout: TimeAmount = .seconds(10),
                    queueTimeout: TimeAmount = .seconds(30), enquireLinkInterval: TimeAmount = .seconds(30), throttlePause: TimeAmount = .milliseconds(500)) {
            self.bindType = bindType
            self.bind = bind
            self.window = max(1, window)
            self.responseTimeout = responseTimeout
            self.queueTimeout = queueTimeout
            self.enquireLinkInterval = enquireLinkInterval
            self.throttlePause = throttlePause
        }
    }

    /// Identifies an application request so its response can be handed back.
    public typealias RequestID = UInt64

    public enum Action: Sendable, Hashable {
        /// Write this PDU.
        case send(SMPPPDU)
        /// The bind succeeded; the SMSC gave its system id.
        case bound(systemID: String)
        /// A request finished: its response (any status), or why none came.
        case complete(RequestID, Result<SMPPPDU, SMPPError>)
        /// A deliver_sm or data_sm from the SMSC. The application answers it (after storing it) with a response PDU.
        case inbound(SMPPPDU)
        /// Close the connection, saying why.
        case close(reason: String, error: SMPPError?)
    }

    enum State: Sendable, Hashable {
        case connected
        case binding(sequence: UInt32, deadline: NIODeadline)
        case bound
        case unbinding(sequence: UInt32, deadline: NIODeadline)
        case closed
    }

    struct Outstanding: Sendable, Hashable {
        var id: RequestID
        var deadline: NIODeadline
    }

    struct Waiting: Sendable, Hashable {
        var id: RequestID
        var pdu: SMPPPDU
        var deadline: NIODeadline
    }

    public let configuration: Configuration
    private(set) var state: State = .connected
    private var nextSequence: UInt32 = 1
    private var outstanding: [UInt32: Outstanding] = [:]
    private var waiting: [Waiting] = []
    private var waitingHead = 0
    private var lastHeard: NIODeadline = .uptimeNanoseconds(0)
    private var keepAlive: (sequence: UInt32, deadline: NIODeadline)?
    private var pausedUntil: NIODeadline?

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var isBound: Bool { state == .bound }
    /// Requests sent and not answered.
    public var outstandingCount: Int { outstanding.count }
    /// Requests waiting for room in the window.
    public var queuedCount: Int { waiting.count - waitingHead }

    private mutating func sequence() -> UInt32 {
        defer { nextSequence = nextSequence >= 0x7FFF_FFFF ? 1 : nextSequence + 1 }
        return nextSequence
    }

    // MARK: Inputs

    /// The TCP connection is up: send the bind.
    public mutating func connected(now: NIODeadline) -> [Action] {
        guard state == .connected else { return [] }
        let seq = sequence()
        state = .binding(sequence: seq, deadline: now + configuration.responseTimeout)
        lastHeard = now
        return [.send(.bind(configuration.bindType, configuration.bind, sequenceNumber: seq))]
    }

    /// The application wants `pdu` sent (its sequence number is assigned here).
    public mutating func request(_ id: RequestID, _ pdu: SMPPPDU, now: NIODeadline) -> [Action] {
        guard state == .bound else { return [.complete(id, .failure(.notBound))] }
        waiting.append(Waiting(id: id, pdu: pdu, deadline: now + configuration.queueTimeout))
        return pump(now: now)
    }

    /// A PDU arrived from the SMSC.
    public mutating func received(_ pdu: SMPPPDU, now: NIODeadline) -> [Action] {
        lastHeard = now
        switch (state, pdu.commandID) {
        case (.binding(let seq, _), _) where pdu.sequenceNumber == seq && pdu.commandID == configuration.bindType.commandID.response:
            guard pdu.status == .ok else {
                state = .closed
                return [.close(reason: "bind refused: \(pdu.status)", error: .bindRejected(pdu.status))]
            }
            state = .bound
            if case .bindResponse(let systemID, _) = pdu.body { return [.bound(systemID: systemID)] }
            return [.bound(systemID: "")]
        case (.binding(let seq, _), .genericNack) where pdu.sequenceNumber == seq:
            state = .closed
            return [.close(reason: "bind answered with generic_nack \(pdu.status)", error: .bindRejected(pdu.status))]
        case (.unbinding(let seq, _), .unbindResp) where pdu.sequenceNumber == seq:
            state = .closed
            return failAll(.connectionClosed("unbound")) + [.close(reason: "unbound", error: nil)]
        case (_, .enquireLink):
            return [.send(SMPPPDU(commandID: .enquireLinkResp, sequenceNumber: pdu.sequenceNumber, body: .empty))]
        case (_, .enquireLinkResp):
            if keepAlive?.sequence == pdu.sequenceNumber { keepAlive = nil }
            return []
        case (_, .unbind):
            state = .closed
            let answer = SMPPPDU(commandID: .unbindResp, sequenceNumber: pdu.sequenceNumber, body: .empty)
            return [.send(answer)] + failAll(.connectionClosed("the SMSC unbound")) + [.close(reason: "the SMSC unbound", error: nil)]
        case (.bound, .deliverSM), (.bound, .dataSM), (.unbinding, .deliverSM), (.unbinding, .dataSM):
            return [.inbound(pdu)]
        case (_, .deliverSM), (_, .dataSM):
            return [.send(pdu.response(status: .invalidBindStatus))]
        case (_, let command) where command.isResponse:
            guard let request = outstanding.removeValue(forKey: pdu.sequenceNumber) else { return [] }
            if pdu.status.asksToSlowDown { pausedUntil = now + configuration.throttlePause }
            return [.complete(request.id, .success(pdu))] + pump(now: now)
        default:
            return [.send(.genericNack(status: .invalidCommandID, sequenceNumber: pdu.sequenceNumber))]
        }
    }

    /// Time passed: expire requests, send a keep-alive, detect a dead link, resume after a pause.
    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        switch state {
        case .binding(_, let deadline) where deadline <= now:
            state = .closed
            return [.close(reason: "no bind response within \(configuration.responseTimeout)", error: .responseTimeout)]
        case .unbinding(_, let deadline) where deadline <= now:
            state = .closed
            return failAll(.connectionClosed("unbind timed out")) + [.close(reason: "no unbind_resp; closing", error: nil)]
        case .closed, .connected:
            return []
        default:
            break
        }
        for (seq, request) in outstanding where request.deadline <= now {
            outstanding[seq] = nil
            actions.append(.complete(request.id, .failure(.responseTimeout)))
        }
        while waitingHead < waiting.count, waiting[waitingHead].deadline <= now {
            actions.append(.complete(waiting[waitingHead].id, .failure(.windowQueueTimeout)))
            waitingHead += 1
        }
        if let keepAlive, keepAlive.deadline <= now {
            state = .closed
            return actions + failAll(.connectionClosed("dead link")) + [.close(reason: "enquire_link unanswered: dead link", error: .responseTimeout)]
        }
        if state == .bound, keepAlive == nil, now - lastHeard >= configuration.enquireLinkInterval {
            let seq = sequence()
            keepAlive = (seq, now + configuration.responseTimeout)
            actions.append(.send(.enquireLink(sequenceNumber: seq)))
        }
        return actions + pump(now: now)
    }

    /// Graceful shutdown: stop taking requests and unbind (the SMSC answers, then the connection closes).
    public mutating func unbind(now: NIODeadline) -> [Action] {
        switch state {
        case .bound:
            let seq = sequence()
            state = .unbinding(sequence: seq, deadline: now + configuration.responseTimeout)
            let queued = failWaiting(.connectionClosed("shutting down"))
            return queued + [.send(.unbind(sequenceNumber: seq))]
        case .connected, .binding:
            state = .closed
            return [.close(reason: "shutting down before bound", error: nil)]
        case .unbinding, .closed:
            return []
        }
    }

    /// The connection is gone: every request without a response fails.
    public mutating func connectionClosed() -> [Action] {
        state = .closed
        return failAll(.connectionClosed("connection lost"))
    }

    // MARK: Helpers

    private mutating func pump(now: NIODeadline) -> [Action] {
        guard state == .bound else { return [] }
        if let pausedUntil {
            if pausedUntil > now { return [] }
            self.pausedUntil = nil
        }
        var actions: [Action] = []
        while outstanding.count < configuration.window, waitingHead < waiting.count {
            var next = waiting[waitingHead].pdu
            let id = waiting[waitingHead].id
            waitingHead += 1
            next.sequenceNumber = sequence()
            outstanding[next.sequenceNumber] = Outstanding(id: id, deadline: now + configuration.responseTimeout)
            actions.append(.send(next))
        }
        if waitingHead > 1024, waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
        return actions
    }

    private mutating func failWaiting(_ error: SMPPError) -> [Action] {
        let actions = waiting[waitingHead...].map { Action.complete($0.id, .failure(error)) }
        waiting = []
        waitingHead = 0
        return actions
    }

    private mutating func failAll(_ error: SMPPError) -> [Action] {
        let sent = outstanding.values.sorted { $0.id < $1.id }.map { Action.complete($0.id, .failure(error)) }
        outstanding = [:]
        return sent + failWaiting(error)
    }
}
