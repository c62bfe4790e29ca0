import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: suppressions")
struct StoreSuppressionTests {
    @Test("add is idempotent, lookups find a batch's recipients, removal by sender or all", arguments: StoreFixtures.backends)
    func suppressions(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let stop = Suppression(accountID: account.id, channel: .sms, recipient: "+447911123456", sender: "Herald", source: "inbound:in_1", createdAt: now)
            try await store.addSuppression(stop)
            try await store.addSuppression(stop)
            try await store.addSuppression(Suppression(accountID: account.id, channel: .sms, recipient: "+447911123457", source: "api", createdAt: now))
            #expect(try await store.suppressions(accountID: account.id, recipient: nil, limit: 10).count == 2)
            let found = try await store.suppressions(accountID: account.id, channel: .sms, recipients: ["+447911123456", "+15550000000"])
            #expect(found.map(\.recipient) == ["+447911123456"])
            #expect(found[0].blocks(sender: "Herald") && !found[0].blocks(sender: "Other") && found[0].blocks(sender: nil))
            #expect(try await store.suppressions(accountID: account.id, channel: .email, recipients: ["+447911123456"]).isEmpty)
            #expect(try await store.removeSuppressions(accountID: account.id, channel: .sms, recipient: "+447911123456", sender: "Other") == 0)
            #expect(try await store.removeSuppressions(accountID: account.id, channel: .sms, recipient: "+447911123456", sender: "Herald") == 1)
            #expect(try await store.removeSuppressions(accountID: account.id, channel: .sms, recipient: "+447911123457", sender: nil) == 1)
            #expect(try await store.suppressions(accountID: account.id, recipient: nil, limit: 10).isEmpty)
        }
    }

    @Test("an unsubscribe naming only a message opts out that message's recipient, from every sender; an unknown message changes nothing",
          arguments: StoreFixtures.backends)
    func suppressRecipientOfMessage(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let message = NewMessage.sms(account: account.id, to: "+447911123458")
            _ = try await store.accept([message])
            let now = Date()
            #expect(try await store.suppressRecipient(ofMessage: message.id, source: "unsubscribe-mail:\(message.id)", at: now))
            #expect(try await store.suppressRecipient(ofMessage: message.id, source: "unsubscribe-mail:\(message.id)", at: now), "twice: still one")
            let found = try await store.suppressions(accountID: account.id, recipient: nil, limit: 10)
            #expect(found.map(\.recipient) == ["+447911123458"])
            #expect(found.map(\.source) == ["unsubscribe-mail:\(message.id)"])
            #expect(found.first?.blocks(sender: "Anyone") == true)
            #expect(try await store.suppressRecipient(ofMessage: "msg_none", source: "unsubscribe-mail:msg_none", at: now) == false)
        }
    }

    @Test("an e-mail that bounces hard (mailbox unknown) suppresses its address in the same write: the next send is DROPPED / SUPPRESSED; a full mailbox does not",
          arguments: StoreFixtures.backends)
    func bounceSuppresses(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            func email(_ to: String) -> NewMessage {
                let draft = try! MessageValidator().validate(SendRequest(channel: "email", to: to, subject: "Hi", text: "hello")).get()
                return NewMessage(accountID: account.id, draft: draft, createdAt: now, priceMicros: 1_000)
            }
            let unknown = email("gone@example.com"), full = email("full@example.com")
            _ = try await store.accept([unknown, full])
            for (message, reason) in [(unknown, ReasonCode.mailboxUnknown), (full, .mailboxFull)] {
                try await store.record([MessageChange(messageID: message.id, events: [
                    StatusEvent(messageID: message.id, part: 0, kind: .status(.undelivered), reason: reason, source: .connector, occurredAt: now),
                ], queue: .remove)])
            }
            let listed = try await store.suppressions(accountID: account.id, recipient: nil, limit: 10)
            #expect(listed.map(\.recipient) == ["gone@example.com"])
            #expect(listed.first?.source == "bounce:" + unknown.id)
            let screening = Screening(duplicateWindow: 0, suppressions: true, now: now)
            let again = try await store.accept([email("gone@example.com"), email("full@example.com")], screening: screening)
            #expect(again.map(\.message.draft.rejection) == [.suppressed, nil])
            let record = try #require(try await store.message(id: again[0].message.id, accountID: account.id))
            #expect(record.status == .dropped)
            #expect(record.reason == .suppressed)
        }
    }
}
