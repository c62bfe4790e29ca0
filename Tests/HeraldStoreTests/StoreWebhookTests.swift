import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: webhooks and deliveries")
struct StoreWebhookTests {
    @Test("webhooks, fan-out with a cursor, claims, attempts, history and re-send", arguments: StoreFixtures.backends)
    func lifecycle(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "https://example.com/hook", events: ["DELIVERED", "QUEUED"],
                               secret: WebhookSecret.make(), createdAt: now)
            try await store.createWebhook(hook)
            #expect(try await store.webhooks(accountID: account.id).map(\.events) == [["DELIVERED", "QUEUED"]])
            let secret = try await store.callbackSecret(accountID: account.id)
            #expect(try await store.callbackSecret(accountID: account.id) == secret)

            var message = NewMessage.sms(account: account.id, at: now)
            message.draft.callbackURL = "https://example.com/cb"
            _ = try await store.accept([message])
            var routed: [RoutedEvent] = []
            let deadline = Date().addingTimeInterval(20)
            while routed.isEmpty, Date() < deadline {
                routed = try await store.routedFeed(after: try await store.feedCursor(name: "webhooks"), limit: 10).events
                if routed.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            let event = try #require(routed.first)
            #expect(event.accountID == account.id)
            #expect(event.callbackURL == "https://example.com/cb")
            let delivery = WebhookDelivery(accountID: account.id, webhookID: hook.id, url: hook.url, eventID: event.feed.event.id,
                                           messageID: message.id, sequence: event.feed.cursor.seq, payload: "{}", nextAttemptAt: now, createdAt: now)
            try await store.enqueueDeliveries([delivery], cursorName: "webhooks", cursor: event.feed.cursor)
            // The same event again (a crash before the cursor moved): kept once.
            let again = WebhookDelivery(accountID: account.id, webhookID: hook.id, url: hook.url, eventID: event.feed.event.id,
                                        messageID: message.id, sequence: event.feed.cursor.seq, payload: "{}", nextAttemptAt: now, createdAt: now)
            try await store.enqueueDeliveries([again], cursorName: "webhooks", cursor: event.feed.cursor)
            #expect(try await store.feedCursor(name: "webhooks") == event.feed.cursor)

            // Events with nowhere to go (no webhook on their account, no callback URL) are passed over, not returned;
            // the page still ends after them.
            let quiet = try await store.ensureAccount(named: "quiet")
            _ = try await store.accept([NewMessage.sms(account: quiet.id, to: "+14155550177", at: now)])
            var skipped = RoutedPage(events: [], end: nil)
            while skipped.end == nil, Date() < deadline {
                skipped = try await store.routedFeed(after: event.feed.cursor, limit: 10)
                if skipped.end == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(skipped.events.allSatisfy { $0.accountID == account.id })
            #expect(!skipped.events.contains { $0.feed.event.messageID != message.id })
            #expect(try await store.feed(accountID: quiet.id, after: .start, limit: 10).map(\.cursor).last.map { $0 <= skipped.end! } == true)

            let claimed = try await store.claimDeliveries(limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
            #expect(claimed.map(\.id) == [delivery.id])
            #expect(try await store.claimDeliveries(limit: 10, now: now, leaseUntil: now.addingTimeInterval(60)).isEmpty)
            try await store.recordDeliveryAttempts([DeliveryAttempt(deliveryID: delivery.id, at: now, statusCode: 503, latencyMs: 12, error: "HTTP 503",
                                                                    state: .pending, nextAttemptAt: now.addingTimeInterval(10))])
            #expect(try await store.claimDeliveries(limit: 10, now: now.addingTimeInterval(5), leaseUntil: now.addingTimeInterval(65)).isEmpty)
            try await store.postponeDeliveries(ids: [delivery.id], until: now.addingTimeInterval(20))
            #expect(try await store.claimDeliveries(limit: 10, now: now.addingTimeInterval(15), leaseUntil: now.addingTimeInterval(75)).isEmpty)
            #expect(try await store.claimDeliveries(limit: 10, now: now.addingTimeInterval(21), leaseUntil: now.addingTimeInterval(81)).count == 1)
            try await store.recordDeliveryAttempts([DeliveryAttempt(deliveryID: delivery.id, at: now.addingTimeInterval(21), statusCode: 200, latencyMs: 8,
                                                                    error: nil, state: .delivered, nextAttemptAt: nil)])
            let history = try #require(try await store.deliveries(webhookID: hook.id, accountID: account.id, limit: 10))
            #expect(history.count == 1)
            #expect(history[0].0.state == .delivered)
            #expect(history[0].0.attempts == 2)
            #expect(history[0].1.map(\.statusCode) == [503, 200])
            #expect(try await store.deliveries(webhookID: hook.id, accountID: "someone-else", limit: 10) == nil)

            #expect(try await store.resendDelivery(id: delivery.id, accountID: account.id, now: now.addingTimeInterval(30)))
            #expect(try await store.claimDeliveries(limit: 10, now: now.addingTimeInterval(31), leaseUntil: now.addingTimeInterval(90)).count == 1)
            #expect(try await store.deleteWebhook(id: hook.id, accountID: account.id))
            #expect(try await store.webhooks(accountID: account.id).isEmpty)
        }
    }
}
