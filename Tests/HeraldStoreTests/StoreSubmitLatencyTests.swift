import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: delivery analytics time a receipt from its submit")
struct StoreSubmitLatencyTests {
    @Test("a final receipt counts from the submission it answers, not from the accept; also when it was parked first",
          arguments: StoreFixtures.backends)
    func latencyFromSubmit(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let hourAgo = now.addingTimeInterval(-3_600)
            // Accepted an hour ago (scheduled, or waiting in the queue), submitted now, delivered a moment later.
            var ids: [String] = []
            for (index, to) in ["+447400123001", "+447400123002"].enumerated() {
                let message = NewMessage.sms(account: account, to: to, at: hourAgo)
                _ = try await store.accept([message])
                ids.append(message.id)
                if index == 1 {
                    // The second one's receipt overtakes its submit response: parked, then applied when it is recorded.
                    let early = ProviderReceipt(connector: "smsc", providerMessageID: "b2", kind: .status(.delivered), occurredAt: now, receivedAt: now,
                                                detail: ProviderDetail(status: "DELIVRD"))
                    #expect(try await store.ingest([early]).first.map { if case .parked = $0 { true } else { false } } == true)
                }
            }
            _ = try await store.claim(owner: "w", limit: 10, now: now, leaseUntil: now.addingTimeInterval(30))
            for (id, providerID) in zip(ids, ["a1", "b2"]) {
                let accepted = StatusEvent(messageID: id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                           connector: "smsc", providerMessageID: providerID, attempt: 1, dedupKey: "accepted:0:1")
                try await store.record([MessageChange(messageID: id, events: [accepted],
                                                      correlations: [Correlation(connector: "smsc", providerMessageID: providerID, messageID: id, part: 0, correlatedAt: now)],
                                                      queue: .remove)])
            }
            let receipt = ProviderReceipt(connector: "smsc", providerMessageID: "a1", kind: .status(.delivered), occurredAt: now, receivedAt: now,
                                          detail: ProviderDetail(status: "DELIVRD"))
            #expect(try await store.ingest([receipt]) == [.applied(messageID: ids[0])])
            for id in ids { #expect(try await store.message(id: id, accountID: account)?.status == .delivered) }

            let rows = try await store.deliveryStats(accountID: account, since: now.addingTimeInterval(-7_200), until: now.addingTimeInterval(3_600))
            let buckets = rows.reduce(into: [Int](repeating: 0, count: DeliveryStats.bucketCount)) { sum, row in
                for index in sum.indices { sum[index] += row.buckets[index] }
            }
            // Both counted within minutes of their submit (however slow this machine is), none an hour after its accept.
            let withinMinutes = buckets[...DeliveryStats.bucket(seconds: 300)].reduce(0, +)
            #expect(withinMinutes == 2, "both timed from their submit, though accepted an hour before: \(buckets)")
        }
    }
}
