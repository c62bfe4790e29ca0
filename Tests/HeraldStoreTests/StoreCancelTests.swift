import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: cancel")
struct StoreCancelTests {
    @Test("a queued or scheduled message is canceled and leaves the queue; one being sent or taken by a provider is not", arguments: StoreFixtures.backends)
    func cancel(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let other = try await store.ensureAccount(named: "other")
            let now = Date()
            var scheduledDraft = NewMessage.sms(account: account.id, at: now)
            scheduledDraft.draft.sendAt = now.addingTimeInterval(3600)
            let queued = NewMessage.sms(account: account.id, at: now)
            _ = try await store.accept([scheduledDraft, queued])

            #expect(try await store.cancel(messageID: scheduledDraft.id, accountID: other.id, now: now) == .notFound)
            #expect(try await store.cancel(messageID: scheduledDraft.id, accountID: account.id, now: now) == .canceled)
            let canceled = try #require(try await store.message(id: scheduledDraft.id, accountID: account.id))
            #expect(canceled.status == .canceled)
            #expect(canceled.costMicros == 0)
            #expect(try await store.events(messageID: scheduledDraft.id).last?.kind == .status(.canceled))
            #expect(try await store.cancel(messageID: scheduledDraft.id, accountID: account.id, now: now) == .notCancelable(.canceled))
            // Even when its time comes, a canceled message is never claimed.
            let later = now.addingTimeInterval(7200)
            let claimed = try await store.claim(owner: "w", limit: 10, now: later, leaseUntil: later.addingTimeInterval(30))
            #expect(claimed.map(\.messageID) == [queued.id])
            // Claimed by a worker: being sent, not cancelable while the lease runs.
            #expect(try await store.cancel(messageID: queued.id, accountID: account.id, now: later) == .notCancelable(.sending))
            // Taken by a provider: not cancelable.
            let accepted = StatusEvent(messageID: queued.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: later,
                                       connector: "sim", providerMessageID: "P1", attempt: 1, dedupKey: "accepted:0:1")
            try await store.record([MessageChange(messageID: queued.id, events: [accepted], queue: .remove)])
            #expect(try await store.cancel(messageID: queued.id, accountID: account.id, now: later.addingTimeInterval(60)) == .notCancelable(.accepted))
        }
    }
}
