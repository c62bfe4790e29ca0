import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: inbound (MO) messages")
struct StoreInboundTests {
    @Test("an inbound message links to the last SMS sent to its sender and marks it REPLIED; unlinked ones stay unowned", arguments: StoreFixtures.backends)
    func linking(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let older = NewMessage.sms(account: account.id, to: "+447400123123", text: "first", at: now)
            let newer = NewMessage.sms(account: account.id, to: "+447400123123", text: "second", at: now.addingTimeInterval(1))
            _ = try await store.accept([older])
            _ = try await store.accept([newer])
            let reply = InboundMessage(connector: "carrier", from: "+447400123123", to: "Herald", text: "YES please", receivedAt: now.addingTimeInterval(5))
            let stored = try await store.recordInbound(reply)
            #expect(stored.inReplyTo == newer.id)
            #expect(stored.accountID == account.id)
            let events = try await store.events(messageID: newer.id)
            let replied = try #require(events.first { $0.kind == .engagement(.replied) })
            #expect(replied.detail?.text?.contains("YES please") == true)
            let message = try #require(try await store.message(id: newer.id, accountID: account.id))
            #expect(message.engagement.contains(.replied))
            // The same inbound message recorded twice (a redelivery) adds no second REPLIED event.
            _ = try await store.recordInbound(reply).id
            #expect(try await store.events(messageID: newer.id).filter { $0.kind == .engagement(.replied) }.count == 1)

            let stranger = try await store.recordInbound(InboundMessage(connector: "carrier", from: "+15550001111", to: "Herald", text: "who?", receivedAt: now))
            #expect(stranger.inReplyTo == nil && stranger.accountID == nil)
            let listed = try await store.inboundMessages(accountID: account.id, before: nil, limit: 10)
            #expect(listed.map(\.text) == ["YES please"])
        }
    }

    @Test("a provider's copy of an inbound message (same provider id, new Herald id) is recognised: stored and linked once", arguments: StoreFixtures.backends)
    func providerCopies(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let sent = NewMessage.sms(account: account.id, to: "+447400123124", text: "hi", at: now)
            _ = try await store.accept([sent])
            var copy = InboundMessage(connector: "tw", from: "+447400123124", to: "+15005550006", text: "STOP", receivedAt: now.addingTimeInterval(1))
            copy.providerMessageID = "SM42"
            let first = try await store.recordInbound(copy)
            #expect(!first.isDuplicate && first.inReplyTo == sent.id)
            var again = InboundMessage(connector: "tw", from: "+447400123124", to: "+15005550006", text: "STOP", receivedAt: now.addingTimeInterval(30))
            again.providerMessageID = "SM42"
            let second = try await store.recordInbound(again)
            #expect(second.isDuplicate && second.id == first.id && second.inReplyTo == sent.id && second.accountID == account.id)
            #expect(try await store.events(messageID: sent.id).filter { $0.kind == .engagement(.replied) }.count == 1)
            #expect(try await store.inboundMessages(accountID: account.id, before: nil, limit: 10).count == 1)
            // Another connector's message with the same id is another message.
            var other = again
            other.connector = "vg"
            #expect(!(try await store.recordInbound(other).isDuplicate))
        }
    }
}
