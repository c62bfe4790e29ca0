import Foundation
import HeraldStore
import Testing
@testable import HeraldWebhooks

@Suite("Callback pacing per endpoint")
struct CallbackPacerTests {
    static func delivery(_ message: String, _ sequence: Int64, hook: String = "wh_a") -> WebhookDelivery {
        WebhookDelivery(accountID: "acc", webhookID: hook, url: "http://127.0.0.1:1/\(hook)", eventID: "evt_\(message)_\(sequence)",
                        messageID: message, sequence: sequence, payload: "{}", nextAttemptAt: Date(), createdAt: Date())
    }

    @Test("an endpoint starts at its initial limit, the rest wait in memory; answers in time grow the limit and start the waiting ones")
    func growsWhileFast() {
        var pacer = CallbackPacer(limits: .init(initial: 2, maximum: 8))
        let offers = (0..<6).map { pacer.offer(Self.delivery("m\($0)", 1)) }
        #expect(offers == [.start, .start, .queued, .queued, .queued, .queued])
        #expect(pacer.inFlight == 2)
        #expect(pacer.waiting == 4)
        // Slow start: each success in time adds one slot, so one finish starts two.
        let next = pacer.finished(target: "wh_a", messageID: "m0", succeeded: true, latencyMs: 5, now: 0)
        #expect(next.start.map(\.messageID) == ["m2", "m3"])
        #expect(pacer.limit(of: "wh_a") == 3)
        #expect(pacer.inFlight == 3)
    }

    @Test("what a finish would start during a stop is given back: nothing stays counted in flight, so the stop ends")
    func giveBack() {
        var pacer = CallbackPacer(limits: .init(initial: 1))
        #expect(pacer.offer(Self.delivery("m1", 1)) == .start)
        #expect(pacer.offer(Self.delivery("m2", 1)) == .queued)
        let next = pacer.finished(target: "wh_a", messageID: "m1", succeeded: true, latencyMs: 5, now: 0)
        #expect(next.start.map(\.messageID) == ["m2"])
        #expect(pacer.inFlight == 1)
        pacer.giveBack(next.start)
        #expect(pacer.inFlight == 0)
        #expect(pacer.busyEndpoints.isEmpty)
        #expect(pacer.offer(Self.delivery("m2", 1)) == .start, "its message is free to start again")
    }

    @Test("one message's callbacks leave in sequence: the next waits until the one before is answered, others pass it")
    func sequencePerMessage() {
        var pacer = CallbackPacer(limits: .init(initial: 4))
        #expect(pacer.offer(Self.delivery("m1", 1)) == .start)
        #expect(pacer.offer(Self.delivery("m1", 2)) == .queued)
        #expect(pacer.offer(Self.delivery("m1", 3)) == .queued)
        #expect(pacer.offer(Self.delivery("m2", 1)) == .start)
        let next = pacer.finished(target: "wh_a", messageID: "m1", succeeded: true, latencyMs: 5, now: 0)
        #expect(next.start.map(\.sequence) == [2])
        #expect(pacer.waiting == 1)
    }

    @Test("a failure halves the limit; an endpoint that is down hands back what waited for it")
    func failureBacksOff() {
        var pacer = CallbackPacer(limits: .init(initial: 4))
        for index in 0..<6 { _ = pacer.offer(Self.delivery("m\(index)", 1)) }
        let next = pacer.finished(target: "wh_a", messageID: "m0", succeeded: false, down: true, latencyMs: 5_000, now: 0)
        #expect(next.start.isEmpty)
        #expect(next.postpone.map(\.messageID) == ["m4", "m5"])
        #expect(pacer.limit(of: "wh_a") == 2)
        #expect(pacer.waiting == 0)
    }

    @Test("slow answers cut the limit to three quarters, once per epoch")
    func slowCuts() {
        var pacer = CallbackPacer(limits: .init(initial: 8, slowLatencyMs: 1_000, cutEpoch: 0.1))
        for index in 0..<8 { _ = pacer.offer(Self.delivery("m\(index)", 1)) }
        _ = pacer.finished(target: "wh_a", messageID: "m0", succeeded: true, latencyMs: 2_000, now: 1.0)
        #expect(pacer.limit(of: "wh_a") == 6)
        _ = pacer.finished(target: "wh_a", messageID: "m1", succeeded: true, latencyMs: 2_000, now: 1.05)
        #expect(pacer.limit(of: "wh_a") == 6)
        _ = pacer.finished(target: "wh_a", messageID: "m2", succeeded: true, latencyMs: 2_000, now: 1.2)
        #expect(pacer.limit(of: "wh_a") == 4)
    }

    @Test("an endpoint's waiting queue is bounded: beyond it, deliveries overflow back to the table; other endpoints are unaffected")
    func overflow() {
        var pacer = CallbackPacer(limits: .init(initial: 1, waitingPerSlot: 1, maximumWaiting: 8))
        #expect(pacer.offer(Self.delivery("m0", 1)) == .start)
        #expect(pacer.offer(Self.delivery("m1", 1)) == .queued)
        #expect(pacer.offer(Self.delivery("m2", 1)) == .queued)
        #expect(pacer.offer(Self.delivery("m3", 1)) == .overflow)
        #expect(pacer.offer(Self.delivery("m4", 1, hook: "wh_b")) == .start)
    }

    @Test("a healthy endpoint may hold a whole burst waiting; once it failed, only its per-slot share, so it cannot starve the others")
    func burstWaiting() {
        var pacer = CallbackPacer(limits: .init(initial: 2, waitingPerSlot: 1, maximumWaiting: 128))
        let first = (0..<40).map { pacer.offer(Self.delivery("m\($0)", 1)) }
        #expect(first.filter { $0 == .queued }.count == 16, "not proven yet: its per-slot share")
        _ = pacer.finished(target: "wh_a", messageID: "m0", succeeded: true, latencyMs: 5, now: 1)
        #expect(pacer.limit(of: "wh_a") == 3)
        let burst = (40..<200).map { pacer.offer(Self.delivery("m\($0)", 1)) }
        #expect(burst.contains(.overflow))
        #expect(pacer.waiting == 128, "proven fast: it may hold the whole room")
        var failing = CallbackPacer(limits: .init(initial: 2, waitingPerSlot: 1, maximumWaiting: 128))
        _ = failing.offer(Self.delivery("m0", 1))
        _ = failing.finished(target: "wh_a", messageID: "m0", succeeded: false, latencyMs: 5, now: 1)
        let after = (1..<60).map { failing.offer(Self.delivery("m\($0)", 1)) }
        #expect(after.filter { $0 == .queued }.count == 16, "at most max(per-slot share, 16), and never more than a quarter of the room")
        #expect(after.contains(.overflow))
    }
}
