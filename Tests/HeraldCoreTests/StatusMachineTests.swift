import Foundation
import HeraldCore
import Testing

@Suite("Status machine")
struct StatusMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func event(_ status: MessageStatus, _ source: EventSource, at seconds: Double, reason: ReasonCode? = nil, part: Int? = nil, id: String? = nil) -> StatusEvent {
        StatusEvent(id: id ?? "evt_\(status.rawValue)_\(source.rawValue)_\(seconds)", messageID: "msg_1", part: part, kind: .status(status), reason: reason, source: source, occurredAt: t0.addingTimeInterval(seconds))
    }

    func engagement(_ kind: Engagement, at seconds: Double) -> StatusEvent {
        StatusEvent(id: "evt_\(kind.rawValue)_\(seconds)", messageID: "msg_1", kind: .engagement(kind), source: .receipt, occurredAt: t0.addingTimeInterval(seconds))
    }

    /// The fields the status depends on; connector and provider id are annotations.
    func decisive(_ state: PartState) -> [String] {
        [state.status.rawValue, state.reason?.rawValue ?? "-", state.claimedFinals.map(\.rawValue).sorted().joined(separator: ","),
         "\(state.wasAcceptedByProvider)", state.engagement.map(\.rawValue).sorted().joined(separator: ","), state.evidence.eventID]
    }

    @Test("the happy path walks QUEUED, SENDING, ACCEPTED, SENT, DELIVERED")
    func happyPath() {
        var state = PartState.initial
        for (status, source) in [(MessageStatus.queued, EventSource.api), (.sending, .connector), (.accepted, .connector), (.sent, .receipt), (.delivered, .receipt)] {
            #expect(state.apply(event(status, source, at: Double(status.strength))) == .applied)
            #expect(state.status == status)
        }
        #expect(state.wasAcceptedByProvider)
        #expect(!state.hasConflict)
    }

    @Test("a late SENT after DELIVERED is recorded and ignored")
    func lateWeakerEvent() {
        var state = PartState.replay([event(.accepted, .connector, at: 1), event(.delivered, .receipt, at: 3)])
        #expect(state.apply(event(.sent, .receipt, at: 2)) == .ignoredWeaker)
        #expect(state.status == .delivered)
    }

    @Test("DELIVERED is never replaced by a later failure receipt; the conflict is recorded")
    func deliveredWins() {
        var state = PartState.replay([event(.accepted, .connector, at: 1), event(.delivered, .receipt, at: 3)])
        #expect(state.apply(event(.undelivered, .receipt, at: 4, reason: .generalError)) == .conflict)
        #expect(state.status == .delivered)
        #expect(state.reason == nil)
        #expect(state.hasConflict)
        // And in the other order: the DELIVERED receipt still wins.
        let reversed = PartState.replay([event(.undelivered, .receipt, at: 4, reason: .generalError), event(.delivered, .receipt, at: 3), event(.accepted, .connector, at: 1)])
        #expect(reversed.status == .delivered)
        #expect(reversed.hasConflict)
    }

    @Test("a real receipt replaces EXPIRED from our own timer, without a conflict")
    func receiptBeatsTimer() {
        var state = PartState.replay([event(.accepted, .connector, at: 1), event(.expired, .timer, at: 100, reason: .unknownOutcome)])
        #expect(state.status == .expired)
        #expect(state.reason == .unknownOutcome)
        #expect(state.apply(event(.undelivered, .receipt, at: 120, reason: .absentSubscriber)) == .applied)
        #expect(state.status == .undelivered)
        #expect(state.reason == .absentSubscriber)
        #expect(!state.hasConflict)
    }

    @Test("the timer cannot replace a final receipt")
    func timerCannotOverrideReceipt() {
        var state = PartState.replay([event(.accepted, .connector, at: 1), event(.undelivered, .receipt, at: 5, reason: .handsetBusy)])
        #expect(state.apply(event(.expired, .timer, at: 100)) == .ignoredWeaker)
        #expect(state.status == .undelivered)
        #expect(state.reason == .handsetBusy)
    }

    @Test("among equal final evidence the first one stands")
    func firstFinalStands() {
        let state = PartState.replay([event(.expired, .receipt, at: 9), event(.undelivered, .receipt, at: 5, reason: .networkError)])
        #expect(state.status == .undelivered)
        #expect(state.hasConflict)
    }

    @Test("READ without DELIVERED implies DELIVERED; engagement never replaces a final status")
    func engagementImpliesDelivery() {
        let state = PartState.replay([event(.accepted, .connector, at: 1), engagement(.read, at: 5)])
        #expect(state.status == .delivered)
        #expect(state.engagement == [.read])
        var delivered = PartState.replay([event(.delivered, .receipt, at: 3)])
        #expect(delivered.apply(engagement(.opened, at: 4)) == .engagement)
        #expect(delivered.status == .delivered)
        #expect(delivered.engagement == [.opened])
    }

    @Test("a failure without a reason gets the default reason of its status")
    func defaultReasons() {
        #expect(PartState.replay([event(.undelivered, .receipt, at: 1)]).reason == .generalError)
        #expect(PartState.replay([event(.expired, .timer, at: 1)]).reason == .unknownOutcome)
        #expect(PartState.replay([event(.failed, .connector, at: 1)]).reason == .internalError)
    }

    @Test("a retry cycle keeps DEFERRED until the provider accepts")
    func retryCycle() {
        let state = PartState.replay([
            event(.queued, .api, at: 0), event(.sending, .connector, at: 1),
            event(.deferred, .connector, at: 2, reason: .throttled), event(.sending, .connector, at: 10),
        ])
        #expect(state.status == .deferred)
        #expect(state.reason == .throttled)
        var accepted = state
        accepted.apply(event(.accepted, .connector, at: 11))
        #expect(accepted.status == .accepted)
    }

    @Test("replaying the same events in every order gives the same state", arguments: 0..<40)
    func orderIndependence(seed: Int) {
        var generator = SplitMix(seed: UInt64(seed))
        let candidates: [StatusEvent] = [
            event(.queued, .api, at: 0), event(.sending, .connector, at: 1), event(.deferred, .connector, at: 2, reason: .throttled),
            event(.sending, .connector, at: 3, id: "evt_sending_2"), event(.accepted, .connector, at: 4), event(.sent, .receipt, at: 5),
            event(.delivered, .receipt, at: 6), event(.undelivered, .receipt, at: 7, reason: .absentSubscriber),
            event(.expired, .timer, at: 8), event(.expired, .receipt, at: 6.5), engagement(.read, at: 9),
            event(.scheduled, .api, at: -1), event(.failed, .connector, at: 4.5, reason: .providerRejected),
        ]
        let chosen = candidates.shuffled(using: &generator).prefix(Int.random(in: 2...6, using: &generator))
        let reference = decisive(PartState.replay(chosen))
        for permutation in Array(chosen).permutations() {
            #expect(decisive(PartState.replay(permutation)) == reference, "order: \(permutation.map(\.id))")
        }
    }

    func inRound(_ round: Int, _ status: MessageStatus, _ source: EventSource, at seconds: Double, reason: ReasonCode? = nil) -> StatusEvent {
        var event = event(status, source, at: seconds, reason: reason, id: "evt_\(status.rawValue)_r\(round)_\(seconds)")
        event.round = round
        return event
    }

    @Test("a retry round after a temporary receipt outranks the old attempt's late receipts, in any order", arguments: 0..<30)
    func retryRounds(seed: Int) {
        var generator = SplitMix(seed: UInt64(seed))
        let events = [
            inRound(0, .accepted, .connector, at: 1), inRound(0, .sent, .receipt, at: 2),
            // The HANDSET_BUSY receipt, turned into the DEFERRED that opens round 1.
            inRound(1, .deferred, .receipt, at: 3, reason: .handsetBusy),
            inRound(1, .accepted, .connector, at: 10), inRound(0, .sent, .receipt, at: 2.5),
        ]
        let shuffled = events.shuffled(using: &generator)
        let state = PartState.replay(shuffled)
        #expect(state.status == .accepted)
        #expect(state.evidence.round == 1)
        let waiting = PartState.replay(shuffled.filter { $0.kind != .status(.accepted) || $0.round == 0 })
        #expect(waiting.status == .deferred)
        #expect(waiting.reason == .handsetBusy)
        // The new round's delivery is final; a later failure of the same tier in an older round cannot replace it.
        let delivered = PartState.replay(shuffled + [inRound(1, .delivered, .receipt, at: 20), inRound(0, .undelivered, .receipt, at: 4, reason: .handsetBusy)])
        #expect(delivered.status == .delivered)
        // Finals of equal tier: the later round's stands.
        let failedTwice = PartState.replay([inRound(1, .undelivered, .receipt, at: 20, reason: .absentSubscriber),
                                            inRound(0, .undelivered, .receipt, at: 4, reason: .handsetBusy)].shuffled(using: &generator))
        #expect(failedTwice.reason == .absentSubscriber)
    }

    @Test("duplicated events change nothing")
    func duplicates() {
        let events = [event(.accepted, .connector, at: 1), event(.delivered, .receipt, at: 3)]
        #expect(decisive(PartState.replay(events + events)) == decisive(PartState.replay(events)))
    }
}

/// A small deterministic generator for reproducible property tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array {
    func permutations() -> [[Element]] {
        guard count > 1 else { return [self] }
        var result: [[Element]] = []
        for index in indices {
            var rest = self
            let head = rest.remove(at: index)
            for tail in rest.permutations() { result.append([head] + tail) }
        }
        return result
    }
}
