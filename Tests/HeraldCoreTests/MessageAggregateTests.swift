import Foundation
import HeraldCore
import Testing

@Suite("Multipart aggregation")
struct MessageAggregateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func part(_ events: [(MessageStatus, EventSource, ReasonCode?)]) -> PartState {
        PartState.replay(events.enumerated().map { index, item in
            StatusEvent(id: "evt_\(index)_\(item.0.rawValue)", messageID: "m", kind: .status(item.0), reason: item.2, source: item.1, occurredAt: t0.addingTimeInterval(Double(index)))
        })
    }

    var delivered: PartState { part([(.accepted, .connector, nil), (.delivered, .receipt, nil)]) }
    var undelivered: PartState { part([(.accepted, .connector, nil), (.undelivered, .receipt, .absentSubscriber)]) }
    var sent: PartState { part([(.accepted, .connector, nil), (.sent, .receipt, nil)]) }
    var submitFailed: PartState { part([(.sending, .connector, nil), (.failed, .connector, .providerRejected)]) }

    @Test("all parts delivered: DELIVERED, every segment billable")
    func allDelivered() {
        let aggregate = MessageAggregate(parts: [delivered, delivered, delivered])
        #expect(aggregate.status == .delivered)
        #expect(aggregate.acceptedParts == 3)
    }

    @Test("some delivered, some failed: PARTIALLY_DELIVERED with the failure's reason")
    func partiallyDelivered() {
        let aggregate = MessageAggregate(parts: [delivered, undelivered])
        #expect(aggregate.status == .partiallyDelivered)
        #expect(aggregate.reason == .absentSubscriber)
    }

    @Test("none delivered: the strongest failure")
    func strongestFailure() {
        let aggregate = MessageAggregate(parts: [submitFailed, undelivered])
        #expect(aggregate.status == .undelivered)
        #expect(aggregate.reason == .absentSubscriber)
    }

    @Test("one part accepted, another failed to submit: PARTIALLY_SENT, only the accepted part billable")
    func partiallySent() {
        let aggregate = MessageAggregate(parts: [sent, submitFailed])
        #expect(aggregate.status == .partiallySent)
        #expect(aggregate.acceptedParts == 1)
    }

    @Test("not all final: the slowest part decides")
    func slowestPart() {
        #expect(MessageAggregate(parts: [delivered, sent]).status == .sent)
        #expect(MessageAggregate(parts: [sent, part([(.accepted, .connector, nil)])]).status == .accepted)
    }

    @Test("a message that never reached a provider is not billable")
    func notBillable() {
        let rejected = part([(.rejected, .policy, .invalidNumber)])
        #expect(MessageAggregate(parts: [rejected]).acceptedParts == 0)
        #expect(MessageAggregate(parts: [submitFailed]).acceptedParts == 0)
    }
}
