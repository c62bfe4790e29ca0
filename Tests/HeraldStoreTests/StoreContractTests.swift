import Foundation
import HeraldCore
import HeraldStore
import Testing

/// One contract, two backends: every test runs on SQLite and on PostgreSQL.
@Suite("Store contract")
struct StoreContractTests {
    @Test("accepting stores the message, its parts, its first event and its queue entry", arguments: StoreFixtures.backends)
    func acceptAndRead(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let message = NewMessage.sms(account: account.id, text: String(repeating: "a", count: 200), tag: "welcome")
            let outcomes = try await store.accept([message])
            #expect(outcomes == [.created(id: message.id)])
            let stored = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(stored.status == .queued)
            #expect(stored.segments == 2)
            #expect(stored.to == "+14155550100")
            #expect(stored.tag == "welcome")
            #expect(stored.costMicros == 0)
            #expect(try await store.parts(messageID: message.id).map(\.state.status) == [.queued, .queued])
            let events = try await store.events(messageID: message.id)
            #expect(events.map(\.kind) == [.status(.queued)])
            #expect(events.first?.source == .api)
            let snapshot = try #require(try await store.messageWithEvents(id: message.id, accountID: account.id))
            #expect(snapshot.message == stored)
            #expect(snapshot.events == events)
            // Other accounts do not see it.
            let other = try await store.ensureAccount(named: "other")
            #expect(try await store.message(id: message.id, accountID: other.id) == nil)
            #expect(try await store.messageWithEvents(id: message.id, accountID: other.id) == nil)
            #expect(try await store.ensureAccount(named: "acme").id == account.id)
            #expect(try await store.account(named: "acme")?.id == account.id)
            #expect(try await store.account(named: "nobody") == nil)
        }
    }

    @Test("an accepted message survives a restart", arguments: StoreFixtures.backends)
    func durability(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, reopen in
            let account = try await store.ensureAccount(named: "acme")
            let message = NewMessage.sms(account: account.id)
            _ = try await store.accept([message])
            try await store.close()
            let found = try await reopen.run { again in try await again.message(id: message.id, accountID: account.id) }
            #expect(found?.status == .queued)
        }
    }

    @Test("an idempotency key returns the first message instead of storing another", arguments: StoreFixtures.backends)
    func idempotency(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let first = NewMessage.sms(account: account.id, key: "order-42")
            let second = NewMessage.sms(account: account.id, key: "order-42")
            #expect(try await store.accept([first]) == [.created(id: first.id)])
            #expect(try await store.accept([second]) == [.replayed(id: first.id)])
            #expect(try await store.message(id: second.id, accountID: account.id) == nil)
            let other = try await store.ensureAccount(named: "other")
            let third = NewMessage.sms(account: other.id, key: "order-42")
            #expect(try await store.accept([third]) == [.created(id: third.id)])
        }
    }

    @Test("one key twice in one accept (concurrent sends grouped in one transaction) stores one message", arguments: StoreFixtures.backends)
    func idempotencyWithinBatch(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let first = NewMessage.sms(account: account.id, key: "order-7")
            let plain = NewMessage.sms(account: account.id, to: "+14155550101")
            let again = NewMessage.sms(account: account.id, key: "order-7")
            #expect(try await store.accept([first, plain, again]) == [.created(id: first.id), .created(id: plain.id), .replayed(id: first.id)])
            #expect(try await store.message(id: again.id, accountID: account.id) == nil)
            #expect(try await store.statusCounts(accountID: account.id, since: nil)[.queued] == 2)
        }
    }

    @Test("a large accept stores every message, first event and queue entry in order", arguments: StoreFixtures.backends)
    func largeAccept(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            // 150 rows span several multi-row statements and a partial one; every 7th is REJECTED (no queue entry).
            let messages = (0..<150).map { index in
                NewMessage.sms(account: account.id, to: index % 7 == 0 ? "" : "+1415555\(1000 + index)", text: "m\(index)")
            }
            #expect(try await store.accept(messages) == messages.map { .created(id: $0.id) })
            // On PostgreSQL the feed waits for every older transaction of the cluster (tests run in parallel): read until all appear.
            var feed: [FeedEvent] = []
            let deadline = Date().addingTimeInterval(20)
            while feed.count < messages.count, Date() < deadline {
                let page = try await store.feed(accountID: account.id, after: feed.last?.cursor ?? .start, limit: 500)
                if page.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                feed += page
            }
            #expect(feed.map(\.event.messageID) == messages.map(\.id))
            #expect(feed.map(\.event.kind) == messages.indices.map { $0 % 7 == 0 ? .status(.rejected) : .status(.queued) })
            let stored = try #require(try await store.message(id: messages[149].id, accountID: account.id))
            #expect(stored.text == "m149")
            #expect(stored.to == "+14155551149")
            let now = Date()
            let claimed = try await store.claim(owner: "w", limit: 500, now: now.addingTimeInterval(1), leaseUntil: now.addingTimeInterval(60))
            #expect(Set(claimed.map(\.messageID)) == Set(messages.indices.filter { $0 % 7 != 0 }.map { messages[$0].id }))
        }
    }

    @Test("a REJECTED message is stored and listed but never queued", arguments: StoreFixtures.backends)
    func rejectedNotQueued(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let rejected = NewMessage.sms(account: account.id, to: "")
            _ = try await store.accept([rejected])
            let stored = try #require(try await store.message(id: rejected.id, accountID: account.id))
            #expect(stored.status == .rejected)
            #expect(stored.reason == .emptyRecipient)
            let now = Date()
            #expect(try await store.claim(owner: "w", limit: 10, now: now.addingTimeInterval(1), leaseUntil: now.addingTimeInterval(60)).isEmpty)
            let log = try await store.messages(matching: MessageQuery(accountID: account.id, status: .rejected))
            #expect(log.map(\.id) == [rejected.id])
        }
    }

    @Test("concurrent claims never hand one message to two workers; a dead worker's lease runs out", arguments: StoreFixtures.backends)
    func claiming(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let messages = (0..<40).map { NewMessage.sms(account: account.id, to: "+1415555\(String(format: "%04d", 1000 + $0))", at: now) }
            _ = try await store.accept(messages)
            let later = now.addingTimeInterval(1)
            let claimed = try await withThrowingTaskGroup(of: [DispatchJob].self) { group in
                for worker in 0..<4 {
                    group.addTask { try await store.claim(owner: "w\(worker)", limit: 15, now: later, leaseUntil: later.addingTimeInterval(30)) }
                }
                var all: [DispatchJob] = []
                for try await jobs in group { all += jobs }
                return all
            }
            #expect(claimed.count == 40)
            #expect(Set(claimed.map(\.messageID)).count == 40)
            #expect(claimed.allSatisfy { $0.attempt == 1 && $0.pendingParts == [0] })
            // Nothing is claimable while the leases hold.
            #expect(try await store.claim(owner: "w9", limit: 100, now: later.addingTimeInterval(10), leaseUntil: later.addingTimeInterval(40)).isEmpty)
            // The workers died: after the lease, the messages come back, as attempt 2.
            let reclaimed = try await store.claim(owner: "w9", limit: 100, now: later.addingTimeInterval(31), leaseUntil: later.addingTimeInterval(90))
            #expect(reclaimed.count == 40)
            #expect(reclaimed.allSatisfy { $0.attempt == 2 })
            let stored = try #require(try await store.message(id: messages[0].id, accountID: account.id))
            #expect(stored.status == .sending)
        }
    }

    @Test("outcomes, correlations and receipts derive the status; duplicates are idempotent", arguments: StoreFixtures.backends)
    func receipts(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let message = NewMessage.sms(account: account.id, at: now)
            _ = try await store.accept([message])
            let job = try #require(try await store.claim(owner: "w", limit: 1, now: now, leaseUntil: now.addingTimeInterval(30)).first)
            let accepted = StatusEvent(messageID: job.messageID, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now.addingTimeInterval(0.1),
                                       connector: "sim", providerMessageID: "ABC123", attempt: 1, dedupKey: "accepted:0:1")
            try await store.record([MessageChange(messageID: job.messageID, events: [accepted],
                                                  correlations: [Correlation(connector: "sim", providerMessageID: "ABC123", messageID: job.messageID, part: 0)],
                                                  queue: .remove)])
            #expect(try await store.message(id: message.id, accountID: account.id)?.status == .accepted)
            #expect(try await store.message(id: message.id, accountID: account.id)?.costMicros == 7_500)

            let delivered = ProviderReceipt(connector: "sim", providerMessageID: "ABC123", kind: .status(.delivered), occurredAt: now.addingTimeInterval(2), receivedAt: now.addingTimeInterval(2),
                                            detail: ProviderDetail(status: "DELIVRD", errorCode: "000"))
            let sent = ProviderReceipt(connector: "sim", providerMessageID: "ABC123", kind: .status(.sent), occurredAt: now.addingTimeInterval(1), receivedAt: now.addingTimeInterval(3))
            let outcomes = try await store.ingest([delivered, delivered, sent])
            #expect(outcomes == [.applied(messageID: message.id), .duplicate(messageID: message.id), .applied(messageID: message.id)])
            let stored = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(stored.status == .delivered)
            let events = try await store.events(messageID: message.id)
            #expect(events.map(\.kind.rawValue) == ["QUEUED", "SENDING", "ACCEPTED", "DELIVERED", "SENT"])
            #expect(events[3].detail?.status == "DELIVRD")
            // A contradicting failure receipt is recorded; DELIVERED stands, the conflict shows.
            let failure = ProviderReceipt(connector: "sim", providerMessageID: "ABC123", kind: .status(.undelivered), reason: .generalError,
                                          occurredAt: now.addingTimeInterval(4), receivedAt: now.addingTimeInterval(4))
            _ = try await store.ingest([failure])
            let after = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(after.status == .delivered)
            #expect(after.hasConflict)
        }
    }

    @Test("a receipt that overtakes the submit response is parked, listed, and applied when the correlation arrives", arguments: StoreFixtures.backends)
    func parkedReceipts(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let message = NewMessage.sms(account: account.id, at: now)
            _ = try await store.accept([message])
            let early = ProviderReceipt(connector: "sim", providerMessageID: "0xFF01", kind: .status(.undelivered), reason: .absentSubscriber,
                                        occurredAt: now, receivedAt: now, detail: ProviderDetail(status: "UNDELIV", errorCode: "003"))
            guard case .parked = try await store.ingest([early]).first else { Issue.record("not parked"); return }
            #expect(try await store.unmatchedReceipts(connector: "sim", limit: 10).map(\.receipt.providerMessageID) == ["0xFF01"])
            let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                       connector: "sim", providerMessageID: "0xFF01", dedupKey: "accepted:0:1")
            try await store.record([MessageChange(messageID: message.id, events: [accepted],
                                                  correlations: [Correlation(connector: "sim", providerMessageID: "0xFF01", messageID: message.id, part: 0)], queue: .remove)])
            let stored = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(stored.status == .undelivered)
            #expect(stored.reason == .absentSubscriber)
            #expect(try await store.unmatchedReceipts(connector: "sim", limit: 10).isEmpty)
            #expect(try await store.rematchParked(limit: 10) == 0, "nothing left to re-match")
        }
    }

    @Test("a retry makes the message unavailable until its time", arguments: StoreFixtures.backends)
    func retryQueue(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let message = NewMessage.sms(account: account.id, at: now)
            _ = try await store.accept([message])
            _ = try await store.claim(owner: "w", limit: 1, now: now, leaseUntil: now.addingTimeInterval(30))
            let retryAt = now.addingTimeInterval(5)
            let deferred = StatusEvent(messageID: message.id, part: 0, kind: .status(.deferred), reason: .throttled, source: .connector, occurredAt: now,
                                       attempt: 1, nextAttemptAt: retryAt, dedupKey: "deferred:0:1")
            try await store.record([MessageChange(messageID: message.id, events: [deferred], queue: .retry(at: retryAt))])
            #expect(try await store.message(id: message.id, accountID: account.id)?.status == .deferred)
            #expect(try await store.claim(owner: "w", limit: 1, now: now.addingTimeInterval(4), leaseUntil: now.addingTimeInterval(60)).isEmpty)
            let again = try await store.claim(owner: "w", limit: 1, now: now.addingTimeInterval(6), leaseUntil: now.addingTimeInterval(60))
            #expect(again.map(\.attempt) == [2])
            let events = try await store.events(messageID: message.id)
            #expect(events.first { $0.kind == .status(.deferred) }?.nextAttemptAt.map { abs($0.timeIntervalSince(retryAt)) < 0.01 } == true)
        }
    }

    @Test("the timer expires overdue messages and a later real receipt still upgrades them", arguments: StoreFixtures.backends)
    func expiry(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let message = NewMessage.sms(account: account.id, at: now, validityMinutes: 1)
            let fresh = NewMessage.sms(account: account.id, at: now, validityMinutes: 60)
            _ = try await store.accept([message, fresh])
            let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                       connector: "sim", providerMessageID: "EXP1", dedupKey: "accepted:0:1")
            try await store.record([MessageChange(messageID: message.id, events: [accepted],
                                                  correlations: [Correlation(connector: "sim", providerMessageID: "EXP1", messageID: message.id, part: 0)], queue: .remove)])
            #expect(try await store.expire(now: now.addingTimeInterval(30), limit: 100) == 0)
            #expect(try await store.expire(now: now.addingTimeInterval(61), limit: 100) == 1)
            let expired = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(expired.status == .expired)
            #expect(expired.reason == .unknownOutcome)
            #expect(try await store.message(id: fresh.id, accountID: account.id)?.status == .queued)
            _ = try await store.ingest([ProviderReceipt(connector: "sim", providerMessageID: "EXP1", kind: .status(.delivered), occurredAt: now.addingTimeInterval(70), receivedAt: now.addingTimeInterval(70))])
            let upgraded = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(upgraded.status == .delivered)
            #expect(!upgraded.hasConflict)
        }
    }

    @Test("the log filters by status, recipient, tag and time, newest first, with a cursor", arguments: StoreFixtures.backends)
    func log(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            var messages: [NewMessage] = []
            for index in 0..<25 {
                messages.append(NewMessage.sms(account: account.id, to: index % 5 == 0 ? "" : "+1415555\(String(format: "%04d", 2000 + index % 3))",
                                               at: base.addingTimeInterval(Double(index)), tag: index % 2 == 0 ? "even" : nil))
            }
            _ = try await store.accept(messages)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await store.messages(matching: MessageQuery(accountID: account.id, before: cursor, limit: 10))
                seen += page.map(\.id)
                cursor = page.count == 10 ? page.last?.id : nil
            } while cursor != nil
            #expect(seen == messages.reversed().map(\.id))
            #expect(try await store.messages(matching: MessageQuery(accountID: account.id, status: .rejected)).count == 5)
            #expect(try await store.messages(matching: MessageQuery(accountID: account.id, to: "+14155552001")).count == 7)
            #expect(try await store.messages(matching: MessageQuery(accountID: account.id, tag: "even")).count == 13)
            let window = try await store.messages(matching: MessageQuery(accountID: account.id, since: base.addingTimeInterval(10), until: base.addingTimeInterval(15)))
            #expect(window.map(\.id) == messages[10..<15].reversed().map(\.id))
            let counts = try await store.statusCounts(accountID: account.id, since: nil)
            #expect(counts[.queued] == 20)
            #expect(counts[.rejected] == 5)
            // Since a time: the messages made at it or later (10...24: rejected 10, 15, 20), not a millisecond before.
            #expect(try await store.statusCounts(accountID: account.id, since: base.addingTimeInterval(10)) == [.queued: 12, .rejected: 3])
            #expect(try await store.statusCounts(accountID: account.id, since: base.addingTimeInterval(10.001)) == [.queued: 12, .rejected: 2])
            #expect(try await store.statusCounts(accountID: account.id, since: base.addingTimeInterval(25)) == [:])
            let other = try await store.ensureAccount(named: "other")
            #expect(try await store.messages(matching: MessageQuery(accountID: other.id)).isEmpty)
            #expect(try await store.statusCounts(accountID: other.id, since: base) == [:])
        }
    }

    @Test("API keys authenticate their account only, until revoked or the account is closed", arguments: StoreFixtures.backends)
    func apiKeys(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let other = try await store.ensureAccount(named: "other")
            let created = Date(timeIntervalSince1970: 1_790_000_000)
            let key = APIKey(id: "key_A", prefix: "hk_abc", accountID: account.id, role: .account, scopes: [.read, .send], name: "ci", rateLimit: 20,
                             createdAt: created)
            try await store.addAPIKey(hash: "abc123", key: key)
            try await store.addAPIKey(hash: "def456", key: APIKey(id: "key_B", prefix: "hk_def", accountID: other.id, role: .operator,
                                                                  createdAt: created.addingTimeInterval(1)))
            let found = try #require(try await store.authenticate(keyHash: "abc123"))
            #expect(found.account.id == account.id)
            #expect(found.key == key)
            #expect(try await store.account(forKeyHash: "nope") == nil)
            #expect(try await store.apiKeys(accountID: account.id).map(\.id) == ["key_A"])
            #expect(try await store.apiKeys(accountID: nil).map(\.id) == ["key_A", "key_B"])
            #expect(try await store.apiKeys(accountID: nil).last?.scopes == Set(APIKeyScope.allCases))

            // Another account cannot revoke it; its own can, once: the first time stands.
            #expect(try await store.revokeAPIKey(id: "key_A", accountID: other.id, at: created) == nil)
            #expect(try await store.authenticate(keyHash: "abc123") != nil)
            let revokedAt = created.addingTimeInterval(60)
            #expect(try await store.revokeAPIKey(id: "key_A", accountID: account.id, at: revokedAt)?.revokedAt == revokedAt)
            #expect(try await store.revokeAPIKey(id: "key_A", accountID: nil, at: revokedAt.addingTimeInterval(60))?.revokedAt == revokedAt)
            #expect(try await store.authenticate(keyHash: "abc123") == nil)
            #expect(try await store.revokeAPIKey(id: "key_missing", accountID: nil, at: revokedAt) == nil)

            // A closed account's keys stop working; the account is still listed.
            #expect(try await store.authenticate(keyHash: "def456")?.key.role == .operator)
            #expect(try await store.disableAccount(id: other.id, at: revokedAt)?.disabledAt == revokedAt)
            #expect(try await store.authenticate(keyHash: "def456") == nil)
            #expect(try await store.accounts().map(\.name) == ["acme", "other"])
            #expect(try await store.disableAccount(id: "acc_missing", at: revokedAt) == nil)
        }
    }
}

extension StoreContractTests {
    @Test("an e-mail's headers, attachments and tracking are stored with it and handed to the dispatcher", arguments: StoreFixtures.backends)
    func messageOptions(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            var request = SendRequest(channel: "email", to: "ann@example.com", subject: "Invoice", text: "Attached.")
            request.html = "<p>Attached.</p>"
            request.messageOptions = MessageOptions(headers: ["X-Campaign": "winter", "List-Id": "News <news.acme.test>"],
                                                attachments: [.init(filename: "invoice.pdf", contentType: "application/pdf", content: "JVBERi0xLjQK")],
                                                trackOpens: true)
            let draft = try MessageValidator().validate(request).get()
            let message = NewMessage(accountID: account.id, draft: draft, createdAt: Date(), priceMicros: 1_000, idempotencyKey: nil)
            _ = try await store.accept([message])
            let stored = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(stored.messageOptions == request.messageOptions)
            let jobs = try await store.claim(owner: "test", limit: 10, now: Date(), leaseUntil: Date().addingTimeInterval(30))
            #expect(jobs.first?.messageOptions == request.messageOptions)
            #expect(jobs.first?.html == "<p>Attached.</p>")
        }
    }
}
