import Foundation
import HeraldCore
import HeraldEngine
import HeraldStore
import Testing

@Suite("Store contract: retention")
struct StoreRetentionTests {
    /// A wall clock set by the test.
    struct FixedClock: WallClock {
        let date: Date
        func now() -> Date { date }
    }

    @Test("old message text is emptied and old final messages deleted, in batches; status, timeline and newer messages stay", arguments: StoreFixtures.backends)
    func redactAndDelete(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let other = try await store.ensureAccount(named: "other")
            let now = Date()
            let day: TimeInterval = 86_400
            // Five 40 days old (three final), two 10 days old, one today, and another account's old one.
            var old = (0..<5).map { NewMessage.sms(account: account.id, to: "+1415555\(1000 + $0)", text: "secret \($0)", at: now.addingTimeInterval(-40 * day)) }
            let recent = (0..<2).map { NewMessage.sms(account: account.id, to: "+1415555\(2000 + $0)", text: "recent \($0)", at: now.addingTimeInterval(-10 * day)) }
            let today = NewMessage.sms(account: account.id, text: "today", at: now)
            let others = NewMessage.sms(account: other.id, text: "theirs", at: now.addingTimeInterval(-40 * day))
            for index in old.indices { old[index].id = HeraldID.make(.message, at: now.addingTimeInterval(-40 * day + Double(index))) }
            var recentIDs = recent
            for index in recentIDs.indices { recentIDs[index].id = HeraldID.make(.message, at: now.addingTimeInterval(-10 * day + Double(index))) }
            var othersOld = others
            othersOld.id = HeraldID.make(.message, at: now.addingTimeInterval(-40 * day))
            _ = try await store.accept(old + recentIDs + [today, othersOld])
            _ = try await store.claim(owner: "w", limit: 20, now: now, leaseUntil: now.addingTimeInterval(30))
            var changes: [MessageChange] = []
            for message in old.prefix(3) + recentIDs {
                let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                           connector: "sim", providerMessageID: "P-\(message.id)", attempt: 1, dedupKey: "accepted:0:1")
                let final = StatusEvent(messageID: message.id, part: 0, kind: .status(.delivered), source: .receipt, occurredAt: now, dedupKey: "final")
                changes.append(MessageChange(messageID: message.id, events: [accepted, final], queue: .remove))
            }
            try await store.record(changes)

            // Redact after 30 days, two at a time.
            var settings = AccountSettings()
            settings.redactAfterDays = 30
            _ = try await store.updateSettings(accountID: account.id, settings: settings)
            let sweeper = RetentionSweeper(store: store, clock: FixedClock(date: now), batch: 2)
            #expect(try await sweeper.sweep() == (redacted: 5, deleted: 0, evidence: 0))
            for message in old {
                let stored = try #require(try await store.message(id: message.id, accountID: account.id))
                #expect(stored.text.isEmpty, "text of a 40-day-old message emptied")
            }
            let first = try #require(try await store.messageWithEvents(id: old[0].id, accountID: account.id))
            #expect(first.0.status == .delivered, "its status stays")
            #expect(first.1.contains { $0.kind == .status(.delivered) }, "its timeline stays")
            #expect(try await store.message(id: recentIDs[0].id, accountID: account.id)?.text == "recent 0")
            #expect(try await store.message(id: othersOld.id, accountID: other.id)?.text == "theirs", "another account's settings are its own")
            #expect(try await sweeper.sweep() == (redacted: 0, deleted: 0, evidence: 0), "nothing twice")

            // Delete after 30 days: the three final old ones go; the two still sending stay until they end.
            settings.deleteAfterDays = 30
            _ = try await store.updateSettings(accountID: account.id, settings: settings)
            #expect(try await sweeper.sweep().deleted == 3)
            for message in old.prefix(3) { #expect(try await store.message(id: message.id, accountID: account.id) == nil) }
            #expect(try await store.events(messageID: old[0].id).isEmpty, "its timeline with it")
            for message in old.suffix(2) { #expect(try await store.message(id: message.id, accountID: account.id) != nil) }
            #expect(try await store.message(id: recentIDs[1].id, accountID: account.id) != nil)
            #expect(try await store.message(id: today.id, accountID: account.id)?.text == "today")
        }
    }

    @Test("redaction also empties receipt text quoting the message; deletion forgets the message's provider ids; provider evidence is deleted after its own period", arguments: StoreFixtures.backends)
    func receiptsAndEvidence(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let day: TimeInterval = 86_400
            let then = now.addingTimeInterval(-40 * day)
            var message = NewMessage.sms(account: account.id, text: "your code is 123456", at: then)
            message.id = HeraldID.make(.message, at: then)
            _ = try await store.accept([message])
            _ = try await store.claim(owner: "w", limit: 5, now: now, leaseUntil: now.addingTimeInterval(30))
            let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: then,
                                       connector: "sim", providerMessageID: "P-OLD", attempt: 1, dedupKey: "accepted:0:1")
            try await store.record([MessageChange(messageID: message.id, events: [accepted],
                                                  correlations: [Correlation(connector: "sim", providerMessageID: "P-OLD", messageID: message.id, part: 0)],
                                                  queue: .remove)])
            // The SMSC's receipt quotes the first 20 characters of the text (`text:`), kept in the timeline.
            let receipt = ProviderReceipt(connector: "sim", providerMessageID: "P-OLD", kind: .status(.delivered), occurredAt: then, receivedAt: then,
                                          detail: ProviderDetail(status: "DELIVRD", errorCode: "000", text: "your code is 123456"))
            #expect(try await store.ingest([receipt], retry: .none) == [.applied(messageID: message.id)])

            // Provider evidence: a webhook and a parked receipt from 40 days ago, and one of each from today.
            let webhook = { (id: String) in
                ProviderWebhookRecord(id: id, connector: "tw", kind: "status", receivedAt: now, method: "POST", query: nil,
                                      contentType: "application/x-www-form-urlencoded", body: Data("To=%2B14155550100&Body=hello".utf8))
            }
            let newWebhook = HeraldID.make(.providerWebhook, at: now)
            try await store.recordProviderWebhooks([webhook(HeraldID.make(.providerWebhook, at: then)), webhook(newWebhook)])
            let stray = { (id: String, at: Date) in
                ProviderReceipt(connector: "sim", providerMessageID: id, kind: .status(.delivered), occurredAt: at, receivedAt: at,
                                detail: ProviderDetail(status: "DELIVRD", text: "someone else's text"))
            }
            _ = try await store.ingest([stray("P-NOBODY-OLD", then), stray("P-NOBODY-NEW", now)], retry: .none)
            #expect(try await store.unmatchedReceipts(connector: "sim", limit: 10).count == 2)

            var settings = AccountSettings()
            settings.redactAfterDays = 30
            _ = try await store.updateSettings(accountID: account.id, settings: settings)
            let sweeper = RetentionSweeper(store: store, clock: FixedClock(date: now), evidenceAfterDays: 30, batch: 2)
            let done = try await sweeper.sweep()
            #expect(done.redacted == 1)
            #expect(done.evidence == 2, "the old webhook and the old parked receipt")
            let (stored, events) = try #require(try await store.messageWithEvents(id: message.id, accountID: account.id))
            #expect(stored.status == .delivered)
            let delivered = try #require(events.first { $0.kind == .status(.delivered) })
            #expect(delivered.detail?.text == nil, "the receipt's quote of the text is emptied with the text")
            #expect(delivered.detail?.status == "DELIVRD" && delivered.detail?.errorCode == "000", "the provider's status and error code stay")
            #expect(try await store.providerWebhooks(connector: "tw", limit: 10).map(\.id) == [newWebhook])
            #expect(try await store.unmatchedReceipts(connector: "sim", limit: 10).map(\.receipt.providerMessageID) == ["P-NOBODY-NEW"])
            #expect(try await sweeper.sweep() == (redacted: 0, deleted: 0, evidence: 0), "nothing twice")

            // Deleted: its provider id is forgotten with it, so a late receipt naming that id is parked, never applied to it.
            settings.deleteAfterDays = 30
            _ = try await store.updateSettings(accountID: account.id, settings: settings)
            #expect(try await sweeper.sweep().deleted == 1)
            #expect(try await store.message(id: message.id, accountID: account.id) == nil)
            let late = ProviderReceipt(connector: "sim", providerMessageID: "P-OLD", kind: .status(.undelivered), occurredAt: now, receivedAt: now)
            let outcome = try await store.ingest([late], retry: .none)
            guard case .parked = try #require(outcome.first) else {
                Issue.record("a receipt for a deleted message's provider id was \(outcome), not parked")
                return
            }
        }
    }
}
