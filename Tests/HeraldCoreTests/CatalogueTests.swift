import Foundation
import HeraldCore
import Testing

@Suite("Reasons, vocabularies and formats")
struct CatalogueTests {
    @Test("every reason has a meaning and a resolution")
    func reasonsComplete() {
        for info in ReasonCatalogue.all {
            #expect(!info.meaning.isEmpty, "\(info.code)")
            #expect(!info.resolution.isEmpty, "\(info.code)")
        }
    }

    @Test("retryable reasons follow the specification")
    func retryable() {
        let retryable = Set(ReasonCatalogue.all.filter(\.retryable).map(\.code))
        #expect(retryable == [
            .absentSubscriberTemporary, .handsetBusy, .networkError, .destinationUnreachable, .prepaidInsufficientFunds,
            .throttled, .queueFull, .providerUnavailable, .mailboxFull, .softBounce, .internalError,
        ])
    }

    @Test("final statuses and strength follow the specification")
    func statuses() {
        let finals = Set(MessageStatus.allCases.filter(\.isFinal))
        #expect(finals == [.delivered, .partiallyDelivered, .undelivered, .expired, .failed, .rejected, .unsubscribed, .dnd, .duplicate, .dropped, .canceled])
        #expect(MessageStatus.queued.strength < MessageStatus.sending.strength)
        #expect(MessageStatus.sending.strength < MessageStatus.deferred.strength)
        #expect(MessageStatus.deferred.strength < MessageStatus.accepted.strength)
        #expect(MessageStatus.accepted.strength == MessageStatus.partiallySent.strength)
        #expect(MessageStatus.sent.strength < MessageStatus.delivered.strength)
    }

    @Test("vocabularies answer with the seeds' words (section 4)", arguments: [
        (MessageStatus.queued, ReasonCode?.none, Vocabulary.raven, "REQUESTED"),
        (.undelivered, .absentSubscriber, .raven, "FAILED"),
        (.rejected, .invalidNumber, .raven, "ERROR"),
        (.deferred, nil, .smsto, "SENDING"),
        (.expired, .unknownOutcome, .smsto, "EXPIRED"),
        (.unsubscribed, .optedOut, .smsto, "UNSUBSCRIBED"),
        (.rejected, .invalidNumber, .tracksend, "INVALIDNUMBER"),
        (.rejected, .queueFull, .tracksend, "FAILEDTOQUEUE"),
        (.failed, .queueFull, .tracksend, "FAILEDTOQUEUE"),
        (.undelivered, .antiSpamRejection, .tracksend, "REJECTED"),
        (.failed, .internalError, .tracksend, "INTERNALERROR"),
        (.partiallyDelivered, .absentSubscriber, .tracksend, "PARTIALDELIVERED"),
        (.accepted, nil, .masstack, "SUBMITTED"),
        (.undelivered, .softBounce, .masstack, "REJECTED"),
        (.dnd, .dndListed, .masstack, "DROPPED"),
        (.sent, nil, .vonageLog, "Sent"),
        (.expired, nil, .vonageLog, "Failed"),
        (.canceled, nil, .vonageLog, "Rejected"),
    ])
    func vocabulary(status: MessageStatus, reason: ReasonCode?, vocabulary: Vocabulary, word: String) {
        #expect(vocabulary.word(for: status, reason: reason) == word)
    }

    @Test("engagement shows in the vocabularies that have words for it")
    func engagementWords() {
        #expect(Vocabulary.tracksend.word(for: .delivered, engagement: [.read]) == "READ")
        #expect(Vocabulary.masstack.word(for: .delivered, engagement: [.opened, .clicked]) == "CLICKED")
    }

    @Test("timestamps are RFC 3339 UTC with milliseconds and parse back")
    func timestamps() {
        let date = Date(timeIntervalSince1970: 1_795_774_061.123)
        #expect(Timestamp.format(date) == "2026-11-27T10:07:41.123Z")
        #expect(Timestamp.parse("2026-11-27T10:07:41.123Z").map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
        #expect(Timestamp.parse("2026-11-27T11:07:41+01:00").map { abs($0.timeIntervalSince(date)) < 1 } == true)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    @Test("retries back off exponentially and stop at the attempt limit or the validity")
    func retryPolicy() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: 2, maxDelay: 600, jitter: 0)
        let now = Date(timeIntervalSince1970: 0)
        let far = now.addingTimeInterval(86_400)
        #expect(policy.nextAttempt(after: 1, now: now, expiresAt: far, random: 0) == now.addingTimeInterval(2))
        #expect(policy.nextAttempt(after: 3, now: now, expiresAt: far, random: 0) == now.addingTimeInterval(8))
        #expect(policy.nextAttempt(after: 4, now: now, expiresAt: far, random: 0) == nil)
        #expect(policy.nextAttempt(after: 1, now: now, expiresAt: now.addingTimeInterval(1), random: 0) == nil)
    }

    @Test("message ids sort by creation time")
    func ids() {
        let early = HeraldID.make(.message, at: Date(timeIntervalSince1970: 1_000))
        let late = HeraldID.make(.message, at: Date(timeIntervalSince1970: 2_000))
        #expect(early < late)
        #expect(early.hasPrefix("msg_"))
        #expect(early.count == 30)
    }
}
