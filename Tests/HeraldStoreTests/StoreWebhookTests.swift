import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: webhooks and deliveries")
struct StoreWebhookTests {
    @Test("callbacks are owed for subscribed kinds only, not for a non-final status of a message already final (superseded), not for an event that changed nothing",
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
            // The same final again, older (a receipt sent twice): it changes nothing, so it owes nothing. A different final
            // after it is a conflict: owed (the receiver learns the provider contradicted itself).
            try await store.record([MessageChange(messageID: narrow.id, events: [
                StatusEvent(messageID: narrow.id, part: 0, kind: .status(.delivered), source: .receipt, occurredAt: now.addingTimeInterval(-5), dedupKey: "again"),
            ])])
            try await store.record([MessageChange(messageID: done.id, events: [
                StatusEvent(messageID: done.id, part: 0, kind: .status(.undelivered), source: .receipt, occurredAt: now.addingTimeInterval(3), dedupKey: "contra"),
            ])])
            // Each write owes its callbacks in its own transaction: claim them all (no sender attached: due at the write's
            // own time, which on a loaded machine may be seconds after `now`).
            let owed = try await store.claimDeliveries(limit: 100, now: Date().addingTimeInterval(1), leaseUntil: Date().addingTimeInterval(60))
            let kinds = { (id: String) in
                owed.filter { $0.messageID == id }.sorted { $0.sequence < $1.sequence }.compactMap { delivery -> String? in
                    let object = try? JSONSerialization.jsonObject(with: Data(delivery.payload.utf8)) as? [String: Any]
                    return object?["event"] as? String
                }
            }
            #expect(kinds(pending.id) == ["QUEUED"])
            #expect(kinds(done.id) == ["QUEUED", "DELIVERED", "UNDELIVERED"], "SENT, recorded with DELIVERED and late after it, is superseded")
            #expect(kinds(narrow.id) == ["DELIVERED"], "the weaker repeat owes nothing")
        }
    }

    @Test("with a sender attached, the callbacks a write owes are leased to it and handed over after the commit, never claimed by another",
          arguments: StoreFixtures.backends)
    func handoff(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            try await store.createWebhook(Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "https://example.com/finals",
                                                  events: ["DELIVERED"], secret: WebhookSecret.make(), createdAt: now))
            let (handed, continuation) = AsyncStream.makeStream(of: [WebhookDelivery].self)
            store.deliveryHandoff.attach(lease: 60) { continuation.yield($0) }
            let message = NewMessage.sms(account: account.id, at: now)
            _ = try await store.accept([message])
            try await store.record([MessageChange(messageID: message.id, events: [
                StatusEvent(messageID: message.id, part: 0, kind: .status(.delivered), source: .receipt, occurredAt: now),
            ], queue: .remove)])
            var iterator = handed.makeAsyncIterator()
            let first = try #require(await iterator.next())
            #expect(first.map(\.messageID) == [message.id], "QUEUED owes nothing to a webhook of finals; DELIVERED owes one")
            #expect(first.allSatisfy { $0.leaseUntil != nil })
            #expect(try await store.claimDeliveries(limit: 10, now: now.addingTimeInterval(1), leaseUntil: now.addingTimeInterval(60)).isEmpty)
            // Its sender gone, a lease that ran out makes it any sender's.
            store.deliveryHandoff.detach()
            #expect(try await store.claimDeliveries(limit: 10, now: now.addingTimeInterval(120), leaseUntil: now.addingTimeInterval(180))
                .map(\.id) == first.map(\.id))
        }
    }

    @Test("webhooks, callbacks owed by the ledger, the catch-up of an older fan-out, claims, attempts, history and re-send", arguments: StoreFixtures.backends)
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
            // An account without webhooks and a message without a callback URL owe nothing.
            let quiet = try await store.ensureAccount(named: "quiet")
            _ = try await store.accept([NewMessage.sms(account: quiet.id, to: "+14155550177", at: now)])

            // A database an older Herald left with its fan-out behind: the catch-up owes the same callbacks again, and
            // the ones the ledger already owed are kept once (unique per endpoint and event); then its cursor is gone.
            try await store.enqueueDeliveries([], cursorName: WebhookCatchUp.cursorName, cursor: .start)
            try await WebhookCatchUp.run(store: store)
            #expect(try await store.feedCursor(name: WebhookCatchUp.cursorName) == nil)

            let owed = try await store.claimDeliveries(limit: 10, now: max(now, Date()).addingTimeInterval(1), leaseUntil: now.addingTimeInterval(60))
            #expect(owed.count == 2, "the webhook and the message's own callback URL, once each")
            #expect(Set(owed.map(\.url)) == ["https://example.com/hook", "https://example.com/cb"])
            #expect(owed.allSatisfy { $0.accountID == account.id && $0.messageID == message.id })
            let delivery = try #require(owed.first { $0.webhookID == hook.id })
            try await store.postponeDeliveries(ids: [delivery.id], until: now)
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

extension StoreWebhookTests {
    @Test("a rotated webhook keeps its old secret beside the new one until the grace ends; another account cannot rotate it", arguments: StoreFixtures.backends)
    func rotateSecret(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "https://example.com/h", events: [], secret: "first-secret-0123456",
                               createdAt: Date(timeIntervalSince1970: 1_800_000_000))
            try await store.createWebhook(hook)
            #expect(try await store.webhooks(accountID: account.id).first?.previousSecret == nil)
            let until = Date(timeIntervalSince1970: 1_800_086_400)
            #expect(try await store.rotateWebhookSecret(id: hook.id, accountID: "acc_someone_else", secret: "x", previousUntil: until) == nil)
            let rotated = try #require(try await store.rotateWebhookSecret(id: hook.id, accountID: account.id, secret: "second-secret-012345", previousUntil: until))
            #expect(rotated.secret == "second-secret-012345")
            #expect(rotated.previousSecret == "first-secret-0123456")
            #expect(rotated.previousSecretUntil == until)
            #expect(try await store.webhooks(accountIDs: [account.id]).first == rotated)
        }
    }
}
