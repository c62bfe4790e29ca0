import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: what the dashboard reads")
struct StoreDashboardReadTests {
    @Test("a campaign's finals are counted once by minute and status; the log filters by channel, sender and connector; one message's callbacks are found by its events",
          arguments: StoreFixtures.backends)
    func dashboardReads(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "https://example.com/all", events: [], secret: "s", createdAt: Date())
            try await store.createWebhook(hook)
            let now = Date()
            var messages = [NewMessage.sms(account: account.id, to: "+14155550100", at: now), NewMessage.sms(account: account.id, to: "+14155550101", at: now),
                            NewMessage.sms(account: account.id, to: "+14155550102", at: now)]
            messages[0].campaignID = "cmp_1"
            messages[1].campaignID = "cmp_1"
            _ = try await store.accept(messages)
            _ = try await store.claim(owner: "w", limit: 10, now: now, leaseUntil: now.addingTimeInterval(30))
            var changes: [MessageChange] = []
            for (index, message) in messages.enumerated() {
                let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                           connector: index == 2 ? "carrier-b" : "carrier", providerMessageID: "P\(index)", attempt: 1, dedupKey: "accepted:0:1")
                let final = StatusEvent(messageID: message.id, part: 0, kind: .status(index == 1 ? .undelivered : .delivered),
                                        reason: index == 1 ? .absentSubscriber : nil, source: .receipt, occurredAt: now, dedupKey: "final")
                changes.append(MessageChange(messageID: message.id, events: [accepted, final], queue: .remove))
            }
            try await store.record(changes)
            try await store.record([MessageChange(messageID: messages[0].id, events: [StatusEvent(messageID: messages[0].id, part: 0, kind: .status(.delivered),
                                                                                                   source: .receipt, occurredAt: now, dedupKey: "final")])])
            let progress = try await store.campaignProgress(campaignID: "cmp_1")
            #expect(progress.map(\.count).reduce(0, +) == 2, "two finals, the repeated receipt not counted")
            #expect(Set(progress.map(\.key.status)) == ["DELIVERED", "UNDELIVERED"])
            #expect(try await store.campaignProgress(campaignID: "cmp_2").isEmpty)

            let ids = { (query: MessageQuery) in try await store.messages(matching: query).map(\.id) }
            var query = MessageQuery(accountID: account.id)
            query.connector = "carrier"
            #expect(Set(try await ids(query)) == [messages[0].id, messages[1].id], "the whole name: carrier-b is not carrier")
            query.connector = "carrier-b"
            #expect(try await ids(query) == [messages[2].id])
            query.connector = nil
            query.channel = .email
            #expect(try await ids(query).isEmpty)
            query.channel = .sms
            query.from = "nobody"
            #expect(try await ids(query).isEmpty)

            // A bounded read: two candidates at a time, then on from the last one read.
            var bounded = MessageQuery(accountID: account.id)
            bounded.channel = .sms
            bounded.scanLimit = 2
            let newestFirst = messages.map(\.id).sorted(by: >)
            #expect(try await ids(bounded) == Array(newestFirst.prefix(2)))
            let boundary = try await store.messagePage(matching: bounded).readTo
            #expect(boundary == newestFirst[1])
            bounded.before = boundary
            #expect(try await ids(bounded) == [newestFirst[2]])
            #expect(try await store.messagePage(matching: bounded).readTo == nil, "fewer candidates than the bound: nothing left")
            bounded.before = nil
            bounded.channel = .email
            #expect(try await ids(bounded).isEmpty)
            #expect(try await store.messagePage(matching: bounded).readTo == newestFirst[1], "none matched, and the read goes on from there")

            let (_, events) = try #require(try await store.messageWithEvents(id: messages[0].id, accountID: account.id))
            let found = try await store.deliveries(accountID: account.id, targets: [hook.id], eventIDs: events.map(\.id))
            #expect(!found.isEmpty)
            #expect(found.allSatisfy { $0.0.messageID == messages[0].id && $0.0.webhookID == hook.id })
            #expect(try await store.deliveries(accountID: "acc_other", targets: [hook.id], eventIDs: events.map(\.id)).isEmpty)
        }
    }
}
