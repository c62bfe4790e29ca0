import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: delivery analytics")
struct StoreDeliveryStatsTests {
    @Test("a message that becomes final adds one to its hour, connector, destination, status and reason; never twice", arguments: StoreFixtures.backends)
    func countedOnce(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let messages = [NewMessage.sms(account: account.id, to: "+14155550100", at: now), NewMessage.sms(account: account.id, to: "+447400123123", at: now),
                            NewMessage.sms(account: account.id, to: "+447400123124", at: now)]
            _ = try await store.accept(messages)
            _ = try await store.claim(owner: "w", limit: 10, now: now, leaseUntil: now.addingTimeInterval(30))
            var changes: [MessageChange] = []
            for (index, message) in messages.enumerated() {
                let connector = index == 0 ? "us-carrier" : "uk-carrier"
                let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                           connector: connector, providerMessageID: "P\(index)", attempt: 1, dedupKey: "accepted:0:1")
                let final = StatusEvent(messageID: message.id, part: 0, kind: .status(index == 2 ? .undelivered : .delivered),
                                        reason: index == 2 ? .absentSubscriber : nil, source: .receipt, occurredAt: now, dedupKey: "final")
                changes.append(MessageChange(messageID: message.id, events: [accepted, final], queue: .remove))
            }
            // The latency counted runs from the accept to the final's transaction, on the store's clock: somewhere between
            // these two readings (a loaded machine takes seconds between the accept and the record).
            let recordStarted = Date()
            try await store.record(changes)
            let recordEnded = Date()
            // The same receipt again changes nothing.
            let again = StatusEvent(messageID: messages[0].id, part: 0, kind: .status(.delivered), source: .receipt, occurredAt: now, dedupKey: "final")
            try await store.record([MessageChange(messageID: messages[0].id, events: [again])])

            let rows = try await store.deliveryStats(accountID: account.id, since: now.addingTimeInterval(-3_600), until: now.addingTimeInterval(3_600))
            #expect(rows.map(\.count).reduce(0, +) == 3)
            let us = try #require(rows.first { $0.key.connector == "us-carrier" })
            #expect(us.key.country == "US" && us.key.prefix == "+141555" && us.key.status == "DELIVERED" && us.key.reason == "")
            #expect(us.buckets.reduce(0, +) == 1)
            let latency = DeliveryStats.bucket(seconds: recordStarted.timeIntervalSince(now))...DeliveryStats.bucket(seconds: recordEnded.timeIntervalSince(now) + 0.001)
            #expect(latency.contains(us.buckets.firstIndex(of: 1) ?? -1), "counted in the bucket of the time from accept to the final")
            let uk = rows.filter { $0.key.connector == "uk-carrier" }
            #expect(Set(uk.map(\.key.status)) == ["DELIVERED", "UNDELIVERED"])
            #expect(uk.first { $0.key.status == "UNDELIVERED" }?.key.reason == "ABSENT_SUBSCRIBER")
            #expect(uk.allSatisfy { $0.key.country == "GB" && $0.key.prefix == "+447400" })
            #expect(try await store.deliveryStats(accountID: "acc_other", since: now.addingTimeInterval(-3_600), until: now.addingTimeInterval(3_600)).isEmpty)
            #expect(try await store.deliveryStats(accountID: nil, since: now.addingTimeInterval(-3_600), until: now.addingTimeInterval(3_600)).count == rows.count)
            #expect(try await store.deliveryStats(accountID: nil, since: now.addingTimeInterval(7_200), until: now.addingTimeInterval(10_800)).isEmpty)
        }
    }

    @Test("quantiles are the upper bounds of the buckets they fall in")
    func quantiles() {
        var buckets = [Int](repeating: 0, count: DeliveryStats.bucketCount)
        buckets[DeliveryStats.bucket(seconds: 0.4)] = 50
        buckets[DeliveryStats.bucket(seconds: 7)] = 40
        buckets[DeliveryStats.bucket(seconds: 4_000)] = 10
        #expect(DeliveryStats.quantile(buckets, 0.5) == 1)
        #expect(DeliveryStats.quantile(buckets, 0.9) == 10)
        #expect(DeliveryStats.quantile(buckets, 0.99) == 21_600)
        #expect(DeliveryStats.quantile([Int](repeating: 0, count: DeliveryStats.bucketCount), 0.5) == nil)
        #expect(DeliveryStats.bucket(seconds: 1_000_000) == DeliveryStats.bounds.count)
    }
}
