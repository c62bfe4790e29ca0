import Foundation
import HeraldCore
import HeraldStore
import Testing

/// The one place a dispatch attempt's answers become events, correlations and a queue change; no store, no sockets.
@Suite("Dispatch decision")
struct DispatchDecisionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func job(attempt: Int = 1, parts: [Int] = [0, 1], validFor: TimeInterval = 3600) -> DispatchJob {
        DispatchJob(messageID: "msg_1", accountID: "acc_1", channel: .sms, to: "+14155550100", from: "Herald", subject: nil, text: "hi",
                    segments: parts.count, attempt: attempt, expiresAt: now.addingTimeInterval(validFor), pendingParts: parts, rounds: [0, 2])
    }

    @Test func taken_parts_are_correlated_in_their_round_and_the_message_leaves_the_queue() {
        let decision = DispatchDecision(job: job(), retry: RetryPolicy())
        let change = decision.decide([
            .init(part: 0, connector: "smsc", at: now, answer: .taken(.accepted, providerMessageID: "ff01", matchKeys: ["ff01", "65281"], detail: nil)),
            .init(part: 1, connector: "smsc", at: now, answer: .taken(.accepted, providerMessageID: "ff02", matchKeys: ["ff02"], detail: nil)),
        ], now: now)
        #expect(change.queue == .remove)
        #expect(change.events.map(\.kind) == [.status(.accepted), .status(.accepted)])
        #expect(change.events.map(\.dedupKey) == ["accepted:0:1", "accepted:1:1"])
        #expect(change.correlations.map(\.round) == [0, 2])
        #expect(change.correlations[0].matchKeys == ["ff01", "65281"])
    }

    @Test func a_temporary_answer_defers_the_part_to_the_policy_s_time_and_keeps_what_was_taken() {
        let decision = DispatchDecision(job: job(), retry: RetryPolicy(baseDelay: 2, jitter: 0.2))
        let change = decision.decide([
            .init(part: 0, connector: "smsc", at: now, answer: .taken(.accepted, providerMessageID: "ff01", matchKeys: ["ff01"], detail: nil)),
            .init(part: 1, connector: "smsc", at: now, answer: .temporary(.throttled, detail: ProviderDetail(errorCode: "0x58"))),
        ], now: now, jitter: 0)
        #expect(change.queue == .retry(at: now.addingTimeInterval(2)))
        let deferred = change.events[1]
        #expect(deferred.kind == .status(.deferred))
        #expect(deferred.reason == .throttled)
        #expect(deferred.nextAttemptAt == now.addingTimeInterval(2))
        #expect(deferred.round == 2)
        #expect(change.correlations.count == 1)
    }

    @Test func no_attempt_left_within_the_validity_fails_the_part_and_says_why() {
        let decision = DispatchDecision(job: job(attempt: 6), retry: RetryPolicy(maxAttempts: 6))
        let change = decision.decide([.init(part: 0, connector: "smsc", at: now, answer: .temporary(.throttled, detail: nil))], now: now)
        #expect(change.queue == .remove)
        #expect(change.events.map(\.kind) == [.status(.failed)])
        #expect(change.events[0].reason == .throttled)
        #expect(change.events[0].detail?.text == "retries exhausted after 6 attempts")
    }

    @Test func refusals_are_final_with_their_reason() {
        let change = DispatchDecision(job: job(), retry: RetryPolicy()).decide([
            .init(part: 0, connector: "mail", at: now, answer: .refused(.undelivered, .mailboxUnknown, detail: nil)),
            .init(part: 1, connector: "mail", at: now, answer: .refused(.failed, .providerRejected, detail: nil)),
        ], now: now)
        #expect(change.events.map(\.kind) == [.status(.undelivered), .status(.failed)])
        #expect(change.events.map(\.dedupKey) == ["undelivered:0:1", "failed:1:1"])
        #expect(change.queue == .remove)
    }

    @Test func a_connector_that_is_down_makes_the_message_wait_without_an_attempt_never_past_its_validity() {
        let change = DispatchDecision(job: job(validFor: 1), retry: RetryPolicy()).waiting(for: "smsc", detail: ProviderDetail(text: "0 of 1 bound"), now: now, wait: 2)
        #expect(change.queue == .wait(until: now.addingTimeInterval(1)))
        #expect(change.events.map(\.reason) == [.providerUnavailable, .providerUnavailable])
        #expect(change.events[0].detail?.text == "waiting for connector smsc to come back (not counted as an attempt): 0 of 1 bound")
        #expect(change.events.map(\.dedupKey) == ["waiting:0:1", "waiting:1:1"])
    }

    @Test func a_whole_message_answered_with_one_id_per_part_correlates_each_part_else_the_whole_message() {
        let keys: (String) -> [String] = { [$0] }
        #expect(DispatchDecision.taken(providerIDs: ["A", "B"], covered: [0, 1], connector: "vg", at: now, matchKeys: keys, detail: nil).map(\.part) == [0, 1])
        #expect(DispatchDecision.taken(providerIDs: ["A", "B", "C"], covered: [0, 1], connector: "vg", at: now, matchKeys: keys, detail: nil).map(\.part)
            == [-1, -1, -1])
        #expect(DispatchDecision.taken(providerIDs: ["A", "B"], covered: [1], connector: "vg", at: now, matchKeys: keys, detail: nil).map(\.part) == [1, 1])
        // The whole message's answer becomes events naming no part (every part) and a correlation of part -1.
        let change = DispatchDecision(job: job(), retry: RetryPolicy()).decide(
            DispatchDecision.taken(providerIDs: ["A", "B", "C"], covered: [0, 1], connector: "vg", at: now, matchKeys: keys, detail: nil), now: now)
        #expect(change.events.allSatisfy { $0.part == nil && $0.kind == .status(.accepted) })
        #expect(change.correlations.map(\.part) == [-1, -1, -1])
        #expect(change.correlations.map(\.providerMessageID) == ["A", "B", "C"])
    }

    @Test func no_route_is_unroutable() {
        let change = DispatchDecision(job: job(), retry: RetryPolicy()).unroutable(now: now)
        #expect(change.events.map(\.reason) == [.unroutable])
        #expect(change.queue == .remove)
    }
}
