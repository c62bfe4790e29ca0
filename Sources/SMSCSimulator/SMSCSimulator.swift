import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SMPP
import SMSText
import Synchronization

/// An SMPP 3.4 server that behaves like a carrier's SMSC: accepts binds, answers submit_sm with ids, and
/// sends delivery receipts (and inbound messages) with a configurable mix of outcomes and misbehaviour.
///
/// Receipts go to any receiver-capable session of the same system_id, are re-sent if a session closes
/// before acknowledging them, and wait for a session to bind if none is up.
public final class SMSCSimulator: Service {
    public let configuration: SMSCSimulatorConfiguration
    let logger: Logger
    let group: any EventLoopGroup
    let router = DeliveryRouter()
    let counters = Mutex(Counters())
    /// The bound port, or why binding failed (remembered: a later ``port()`` gets it too), and who waits for it.
    private let listening = Mutex<(port: Result<Int, any Error>?, waiters: [CheckedContinuation<Int, any Error>])>((nil, []))
    private let throttledOnce = Mutex<Set<String>>([])
    private let nextID: Atomic<UInt64>
    private let refusing = Atomic<Bool>(false)
    private let submitObserver = Mutex<(@Sendable (_ id: String, _ destination: String, _ text: String) -> Void)?>(nil)

    /// Calls `observer` with every submit_sm it accepts (the id it answered, the destination, the text): a record of
    /// what reached the SMSC, to count messages sent twice.
    public func onSubmit(_ observer: @escaping @Sendable (_ id: String, _ destination: String, _ text: String) -> Void) {
        submitObserver.withLock { $0 = observer }
    }

    func accepted(id: String, destination: String, text: @autoclosure () -> String) {
        guard let observer = submitObserver.withLock({ $0 }) else { return }
        observer(id, destination, text())
    }

    /// Closes every session at once, as an SMSC that aborts its connections does (ids go on; clients bind again).
    public func abortSessions() {
        router.closeAll()
    }

    /// While on, every bind is refused (ESME_RBINDFAIL): an SMSC that is down for maintenance. Sessions already bound
    /// stay until ``restart()`` drops them.
    public func refuseBinds(_ on: Bool) {
        refusing.store(on, ordering: .relaxed)
    }

    /// What the simulator has done so far.
    public struct Counters: Sendable, Hashable {
        public var binds = 0
        /// Sessions the client closed with unbind (a graceful shutdown).
        public var unbinds = 0
        public var submits = 0
        public var rejectedSubmits = 0
        public var throttled = 0
        /// Receipts created (each is re-sent until acknowledged; a re-send is not counted here).
        public var receiptsCreated = 0
        /// deliver_sm receipts written, re-sends included.
        public var receiptsSent = 0
        public var receiptsAcknowledged = 0
        public var inboundSent = 0
        public var dropped = 0
    }

    public init(configuration: SMSCSimulatorConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "herald.smsc")) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.nextID = Atomic(configuration.idStart)
    }

    public var stats: Counters { counters.withLock { $0 } }

    /// The port it listens on, once listening (useful with port 0); the bind's error if binding failed.
    public func port() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let port = listening.withLock { state -> Result<Int, any Error>? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(with: port) }
        }
    }

    private func settle(_ port: Result<Int, any Error>) {
        let waiters = listening.withLock { state in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: port) }
    }

    public func run() async throws {
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(SMPPFrameDecoder()), MessageToByteHandler(SMPPEncoder()), SMSCServerHandler(simulator: self),
                        ])
                    }
                }
                .bind(host: configuration.host, port: configuration.port).get()
        } catch {
            settle(.failure(error))
            throw error
        }
        let port = channel.localAddress?.port ?? configuration.port
        settle(.success(port))
        logger.info("SMSC simulator listening", metadata: ["address": "\(configuration.host):\(port)"])
        // Stops on a graceful shutdown of its service group, and also when its task is cancelled (a test or tool that
        // runs it in a plain task), so that nobody waits on a listener that was told to go.
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
            self.router.closeAll()
        }
    }

    // MARK: Decisions

    func authenticate(_ bind: SMPPBind) -> SMPPCommandStatus {
        if refusing.load(ordering: .relaxed) { return .bindFailed }
        guard !configuration.credentials.isEmpty else { return .ok }
        guard let password = configuration.credentials[bind.systemID] else { return .invalidSystemID }
        return password == bind.password ? .ok : .invalidPassword
    }

    func makeMessageID() -> (response: String, receipt: String, number: UInt64) {
        let number = nextID.wrappingAdd(UInt64.random(in: 1...7), ordering: .relaxed).newValue
        func render(_ format: SMSCSimulatorConfiguration.IDFormat) -> String {
            let digits = format == .hex ? String(number, radix: 16, uppercase: true) : String(number)
            return String(repeating: "0", count: max(0, configuration.idWidth - digits.count)) + digits
        }
        return (render(configuration.idFormat), render(configuration.receiptIDFormat ?? configuration.idFormat), number)
    }

    /// How one receipt writes the id `number` with `mixedReceiptIDs`: the text's `id:` and the `receipted_message_id` TLV
    /// (nil: no TLV), each in a dialect picked at random.
    func mixedReceiptID(_ number: UInt64, submitted: String) -> (text: String, tlv: String?) {
        let decimal = String(number), hex = String(number, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        switch Int.random(in: 0..<6) {
        case 0: return (submitted, submitted)
        case 1: return (decimal, decimal)
        case 2: return (padded, nil)
        case 3: return (hex.uppercased(), decimal)
        case 4: return (decimal, nil)
        default: return (padded.uppercased(), hex)
        }
    }

    /// Behaves like an SMSC that restarted: every session is dropped (clients re-bind; receipts not yet acknowledged are
    /// sent again) and the id counter starts again from ``SMSCSimulatorConfiguration/idStart``, so ids repeat.
    public func restart() {
        nextID.store(configuration.idStart, ordering: .relaxed)
        router.closeAll()
    }

    func outcome(for destination: String) -> SMSCOutcome {
        if let magic = SMSCOutcome.magic(for: destination) {
            if magic == .throttleOnce {
                let first = throttledOnce.withLock { $0.insert(destination).inserted }
                return first ? .submitError(.throttled) : .receipt(stat: "DELIVRD", err: "000")
            }
            return magic
        }
        let total = configuration.mix.reduce(0) { $0 + $1.weight }
        var pick = Double.random(in: 0..<total)
        for entry in configuration.mix {
            if pick < entry.weight { return entry.outcome }
            pick -= entry.weight
        }
        return configuration.mix.last?.outcome ?? .receipt(stat: "DELIVRD", err: "000")
    }

    func roll(_ rate: Double) -> Bool { rate > 0 && Double.random(in: 0..<1) < rate }

    func delay() -> TimeAmount {
        .nanoseconds(Int64(Double.random(in: configuration.receiptDelay) * 1_000_000_000))
    }

    /// Sends any PDU (a deliver_sm or data_sm, numbered on the way out) to a receiving session of `systemID`,
    /// or of any client when `systemID` is `nil`; held until such a session binds.
    public func inject(_ pdu: SMPPPDU, systemID: String?) {
        router.deliver(pdu, to: systemID ?? DeliveryRouter.anyClient)
    }

    /// Sends an inbound (MO) message from `from` to `to` on a receiver session of `systemID` (any client if `nil`).
    public func injectInbound(systemID: String?, from: String, to: String, text: String) {
        let alphabet = SMSText.alphabet(for: text)
        let message = SMPPShortMessage(
            source: .international(from), destination: .sender(to), dataCoding: alphabet.dataCoding,
            shortMessage: Array((SMSText.encode(text, as: alphabet) ?? []).prefix(254))
        )
        counters.withLock { $0.inboundSent += 1 }
        router.deliver(.deliverSM(message, sequenceNumber: 0), to: systemID ?? DeliveryRouter.anyClient)
    }
}
