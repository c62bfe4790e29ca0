import Foundation
import HeraldCore
import Testing

@Suite("Billing per the SMS.to seed")
struct BillingRuleTests {
    /// "The only non-billable status are: REJECTED, UNSUBSCRIBED": Herald's never-sent statuses show as those words there.
    @Test("one rule per status: only what never left Herald is not billable", arguments: MessageStatus.allCases)
    func billablePerStatus(status: MessageStatus) {
        let neverSent: Set<MessageStatus> = [.rejected, .unsubscribed, .dnd, .duplicate, .dropped, .canceled]
        #expect(BillingRule.isBillable(status) == !neverSent.contains(status))
        if !BillingRule.isBillable(status) {
            #expect(["REJECTED", "UNSUBSCRIBED"].contains(Vocabulary.smsto.word(for: status)))
        }
    }

    static func part(_ status: MessageStatus, accepted: Bool, round: Int = 0) -> PartState {
        PartState(status: status, reason: nil, evidence: Evidence(status: status, source: .receipt, occurredAt: Date(), eventID: "e", round: round),
                  claimedFinals: status.isFinal ? [status] : [], wasAcceptedByProvider: accepted, engagement: [], providerMessageID: nil, connector: nil)
    }

    @Test("segments are billed as sent: each accepted round of each part; a billable final message at least once per segment")
    func segmentsAsSent() {
        // Two parts delivered, one of them after a retry round: three submissions accepted.
        #expect(BillingRule.billedSegments(parts: [Self.part(.delivered, accepted: true, round: 1), Self.part(.delivered, accepted: true)], status: .delivered) == 3)
        // FAILED before any provider took it: billed as the seed bills FAILED, once per segment.
        #expect(BillingRule.billedSegments(parts: [Self.part(.failed, accepted: false)], status: .failed) == 1)
        // REJECTED: nothing.
        #expect(BillingRule.billedSegments(parts: [Self.part(.rejected, accepted: false)], status: .rejected) == 0)
        // Waiting for its second round: billed for the first so far.
        #expect(BillingRule.billedSegments(parts: [Self.part(.deferred, accepted: true, round: 1)], status: .deferred) == 1)
        // Queued and never sent: nothing yet.
        #expect(BillingRule.billedSegments(parts: [Self.part(.queued, accepted: false)], status: .queued) == 0)
    }

    @Test("status filters in a vocabulary's words select the statuses that show as the word, reason included")
    func wordFilter() throws {
        let undeliverable = try #require(StatusWordFilter(word: "undeliverable", vocabulary: .masstack))
        #expect(undeliverable.statuses == [.undelivered])
        #expect(!undeliverable.isExactByStatus)
        #expect(undeliverable.matches(status: .undelivered, reason: .absentSubscriber, engagement: []))
        #expect(!undeliverable.matches(status: .undelivered, reason: .softBounce, engagement: []))
        let rejected = try #require(StatusWordFilter(word: "REJECTED", vocabulary: .masstack))
        #expect(Set(rejected.statuses) == [.rejected, .undelivered])
        #expect(StatusWordFilter(word: "NOPE", vocabulary: .masstack) == nil)
        let failed = try #require(StatusWordFilter(word: "FAILED", vocabulary: .smsto))
        #expect(Set(failed.statuses) == [.undelivered, .failed])
        #expect(failed.isExactByStatus)
    }
}
