import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: webhooks and deliveries")
struct StoreWebhookTests {
    @Test("callbacks are owed for subscribed kinds only, and not for a non-final status of a message already final (superseded)",
          arguments: StoreFixtures.backends)
    func routing(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            try await store.createWebhook(Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "https://example.com/all", events: [],
                                                  secret: WebhookSecret.make(), createdAt: now))
            let other = try await store.ensureAccount(named: "finals-only")
            try await store.createWebhook(Webhook(id: HeraldID.make(.webhook), accountID: other.id, url: "https://example.com/finals",
                                                  events: ["DELIVERED"], secret: WebhookSecret.make(), createdAt: now))
            let pending = NewMessage.sms(account: account.id, to: "+14155552001", at: now)
            let done = NewMessage.sms(account: account.id, to: "+14155552002", at: now)
            let narrow = NewMessage.sms(account: other.id, to: "+14155552003", at: now)
            _ = try await store.accept([pending, done, narrow])
            for message in [done, narrow] {
                try await store.record([MessageChange(messageID: message.id, events: [
                    StatusEvent(messageID: message.id, part: 0, kind: .status(.sent), source: .receipt, occurredAt: now),
                    StatusEvent(messageID: message.id, part: 0, kind: .status(.delivered), source: .receipt, occurredAt: now.addingTimeInterval(1)),
                ], queue: .remove)])
            }
            // A late intermediate receipt after the final one.
            try await store.record([MessageChange(messageID: done.id, events: [
                StatusEvent(messageID: done.id, part: 0, kind: .status(.sent), source: .receipt, occurredAt: now.addingTimeInterval(2), dedupKey: "late"),
            ])])
            var routed: [RoutedEvent] = []
            var cursor = FeedCursor.start
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let page = try await store.routedFeed(after: cursor, limit: 100)
                routed += page.events
                if let end = page.end { cursor = end } else if routed.contains(where: { $0.feed.event.messageID == narrow.id }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let kinds = { (id: String) in routed.filter { $0.feed.event.messageID == id }.map(\.feed.event.kind.rawValue) }
            #expect(kinds(pending.id) == ["QUEUED"])
            #expect(kinds(done.id) == ["DELIVERED"], "QUEUED and SENT, before and after, are superseded by DELIVERED")
            #expect(kinds(narrow.id) == ["DELIVERED"])
        }
    }

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
