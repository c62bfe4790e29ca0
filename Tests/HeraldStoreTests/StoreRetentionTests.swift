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
            #expect(try await sweeper.sweep() == (redacted: 5, deleted: 0))
            for message in old {
                let stored = try #require(try await store.message(id: message.id, accountID: account.id))
                #expect(stored.text.isEmpty, "text of a 40-day-old message emptied")
            }
            let first = try #require(try await store.messageWithEvents(id: old[0].id, accountID: account.id))
            #expect(first.0.status == .delivered, "its status stays")
            #expect(first.1.contains { $0.kind == .status(.delivered) }, "its timeline stays")
            #expect(try await store.message(id: recentIDs[0].id, accountID: account.id)?.text == "recent 0")
            #expect(try await store.message(id: othersOld.id, accountID: other.id)?.text == "theirs", "another account's settings are its own")
            #expect(try await sweeper.sweep() == (redacted: 0, deleted: 0), "nothing twice")

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
}
