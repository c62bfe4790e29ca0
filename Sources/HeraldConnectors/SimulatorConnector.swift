import Foundation
import HeraldCore
import ServiceLifecycle
import Synchronization

/// The built-in provider: accepts submissions in process and sends receipts back later, with the
/// outcome mix, delays, intermediates, duplicates and reordering of its ``SimulatorConfiguration``,
/// and the magic recipients of ``SimulatedOutcome/magic`` that force an outcome.
///
/// It is a `Service`: its run loop releases receipts when they fall due.
public final class SimulatorConnector: Connector, Service {
    public let name: String
    public let channels: Set<Channel> = Set(Channel.allCases)
    private let configuration: SimulatorConfiguration
    private let sink: ReceiptSink
    private let wallClock: any WallClock
    private let tick: Duration
    private let totalWeight: Double

    private struct Scheduled {
        var due: Date
        var receipt: ProviderReceipt
    }

    private struct State {
        var scheduled: [Scheduled] = []
        var nextID: UInt64
    }

    private let state: Mutex<State>

    public init(configuration: SimulatorConfiguration = .init(), sink: ReceiptSink, clock: any WallClock = SystemWallClock(), tick: Duration = .milliseconds(5)) {
        self.name = configuration.name
        self.configuration = configuration
        self.sink = sink
        self.wallClock = clock
        self.tick = tick
        self.totalWeight = configuration.mix.reduce(0) { $0 + $1.weight }
        self.state = Mutex(State(nextID: UInt64.random(in: 0x1000_0000...0xFFFF_FFFF) << 24))
    }

    public func submit(_ submission: Submission) async -> SubmitResult {
        // Back-pressure: a provider stops taking messages when its receipts are not being acknowledged.
        var waited = 0
        while sink.pendingCount > configuration.receiptBacklogLimit, waited < 400, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
            waited += 1
        }
        let outcome = SimulatedOutcome.forced(for: submission.to) ?? drawOutcome()
        switch outcome {
        case .submitRejected(let reason):
            return .permanentFailure(reason, detail: ProviderDetail(status: "ESME_RINVDSTADR", errorCode: "0x0000000B", text: "simulator refused the submission"))
        case .alwaysTemporary(let reason):
            return .temporaryFailure(reason, detail: ProviderDetail(status: "ESME_RTHROTTLED", errorCode: "0x00000058", text: "simulator pushes back"))
        case .temporaryThenDelivered where submission.attempt == 1:
            return .temporaryFailure(.throttled, detail: ProviderDetail(status: "ESME_RTHROTTLED", errorCode: "0x00000058", text: "simulator pushes back once"))
        default:
            break
        }
        let now = wallClock.now()
        let providerID = state.withLock { state -> String in
            state.nextID &+= 1
            return String(state.nextID, radix: 16, uppercase: true)
        }
        let receipts = plan(outcome, submission: submission, providerID: providerID, acceptedAt: now)
        if outcome == .receiptBeforeResponse {
            for receipt in receipts { sink.deliver(receipt) }
        } else {
            schedule(receipts, now: now)
        }
        return .accepted(providerMessageID: providerID, detail: ProviderDetail(status: "ESME_ROK", text: "message_id \(providerID)"))
    }

    public func run() async throws {
        let clock = ContinuousClock()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            releaseDue()
            try? await clock.sleep(for: tick)
        }
        releaseDue(all: true)
    }

    /// Hands every receipt that is due (or all of them) to the sink. Tests call it to step time.
    public func releaseDue(all: Bool = false) {
        let now = wallClock.now()
        let due = state.withLock { state -> [Scheduled] in
            guard !state.scheduled.isEmpty else { return [] }
            var due: [Scheduled] = []
            state.scheduled.removeAll { item in
                if all || item.due <= now { due.append(item); return true }
                return false
            }
            return due
        }
        for item in due.sorted(by: { $0.due < $1.due }) { sink.deliver(item.receipt) }
    }

    /// Receipts scheduled and not yet released.
    public var pendingReceipts: Int { state.withLock { $0.scheduled.count } }

    private func schedule(_ receipts: [ProviderReceipt], now: Date) {
        guard !receipts.isEmpty else { return }
        if configuration.receiptDelay.upperBound <= 0 {
            for receipt in receipts { sink.deliver(receipt) }
            return
        }
        let items = receipts.map { Scheduled(due: $0.receivedAt, receipt: $0) }
        state.withLock { $0.scheduled.append(contentsOf: items) }
    }

    private func drawOutcome() -> SimulatedOutcome {
        var point = Double.random(in: 0..<totalWeight)
        for entry in configuration.mix {
            if point < entry.weight { return entry.outcome }
            point -= entry.weight
        }
        return configuration.mix.last?.outcome ?? .delivered
    }

    /// The receipts a carrier would send for this outcome, with their arrival times.
    private func plan(_ outcome: SimulatedOutcome, submission: Submission, providerID: String, acceptedAt: Date) -> [ProviderReceipt] {
        let delay = configuration.receiptDelay.upperBound <= 0 ? 0 : Double.random(in: configuration.receiptDelay)
        let sentAt = acceptedAt.addingTimeInterval(delay / 2)
        let doneAt = acceptedAt.addingTimeInterval(delay)
        func receipt(_ kind: EventKind, _ reason: ReasonCode?, stat: String, err: String, at: Date, arrives: Date? = nil) -> ProviderReceipt {
            let text = "id:\(providerID) sub:001 dlvrd:\(kind == .status(.delivered) ? "001" : "000") submit date:\(Self.smppDate(acceptedAt)) done date:\(Self.smppDate(at)) stat:\(stat) err:\(err) text:\(submission.text.prefix(20))"
            return ProviderReceipt(
                connector: name, providerMessageID: providerID, kind: kind, reason: reason, occurredAt: at,
                receivedAt: arrives ?? at, detail: ProviderDetail(status: stat, errorCode: err, text: text)
            )
        }
        let sent = receipt(.status(.sent), nil, stat: "ENROUTE", err: "000", at: sentAt)
        let delivered = receipt(.status(.delivered), nil, stat: "DELIVRD", err: "000", at: doneAt)
        var final: [ProviderReceipt]
        var intermediate = configuration.sendsIntermediate ? [sent] : []
        switch outcome {
        case .delivered, .temporaryThenDelivered, .receiptBeforeResponse:
            final = [delivered]
        case .undelivered(let reason):
            let words = SimulatedOutcome.carrierWords(for: reason)
            final = [receipt(.status(.undelivered), reason, stat: words.stat, err: words.err, at: doneAt)]
        case .busyThenDelivered:
            final = submission.attempt > 1 ? [delivered]
                : [receipt(.status(.undelivered), .handsetBusy, stat: "UNDELIV", err: SimulatedOutcome.carrierWords(for: .handsetBusy).err, at: doneAt)]
        case .partialDelivery:
            final = submission.part == 0 ? [delivered] : [receipt(.status(.undelivered), .absentSubscriber, stat: "UNDELIV", err: "003", at: doneAt)]
        case .expired:
            final = [receipt(.status(.expired), .unknownOutcome, stat: "EXPIRED", err: "000", at: doneAt)]
        case .unknown:
            final = [receipt(.status(.expired), .unknownOutcome, stat: "UNKNOWN", err: "000", at: doneAt)]
        case .noReceipt:
            final = []
        case .duplicateReceipts:
            final = [delivered, delivered]
        case .outOfOrder:
            intermediate = []
            final = [delivered, receipt(.status(.sent), nil, stat: "ENROUTE", err: "000", at: sentAt, arrives: doneAt.addingTimeInterval(0.001))]
        case .conflictingReceipts:
            final = [delivered, receipt(.status(.undelivered), .generalError, stat: "UNDELIV", err: "001", at: doneAt.addingTimeInterval(0.001))]
        case .read:
            final = [delivered, receipt(.engagement(.read), nil, stat: "READ", err: "000", at: doneAt.addingTimeInterval(0.001))]
        case .readWithoutDelivered:
            intermediate = []
            final = [receipt(.engagement(.read), nil, stat: "READ", err: "000", at: doneAt)]
        case .submitRejected, .alwaysTemporary:
            final = []
        }
        if outcome == .noReceipt { return intermediate }
        if final.count == 1, Double.random(in: 0..<1) < configuration.duplicateRate { final.append(final[0]) }
        if !intermediate.isEmpty, Double.random(in: 0..<1) < configuration.reorderRate {
            // The intermediate overtaken by the final receipt.
            intermediate = intermediate.map { var late = $0; late.receivedAt = doneAt.addingTimeInterval(0.001); return late }
        }
        return intermediate + final
    }

    private static func smppDate(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970)
        let days = seconds / 86_400
        let (year, month, day) = Timestamp.civil(fromDays: days)
        let time = seconds % 86_400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return two(year % 100) + two(month) + two(day) + two(time / 3600) + two(time / 60 % 60)
    }
}

extension SimulatorConnector {
    public var health: ConnectorHealth {
        ConnectorHealth(name: name, type: "simulator", channels: channels.map(\.rawValue).sorted(), isUp: true,
                        detail: "built-in simulator: every message gets a simulated outcome")
    }
}
