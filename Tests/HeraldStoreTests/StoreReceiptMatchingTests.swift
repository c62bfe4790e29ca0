import Foundation
import HeraldCore
import HeraldStore
import Testing

/// Receipts matched to the submission they answer on both backends: other id dialects, ids reused after an SMSC
/// restart, copies stamped with another done date, receipts that fit nothing open.
@Suite("Receipt matching")
struct StoreReceiptMatchingTests {
    /// Accepts one message to `to`, claims it and records the provider's acceptance under `providerID` at `at`.
    static func submitted(_ store: any HeraldStore, account: String, to: String, providerID: String, at: Date,
                          matchKeys: [String]? = nil, text: String = UUID().uuidString) async throws -> String {
        let message = NewMessage.sms(account: account, to: to, text: text, at: at)
        _ = try await store.accept([message])
        _ = try await store.claim(owner: "w", limit: 10, now: at, leaseUntil: at.addingTimeInterval(30))
        let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: at,
                                   connector: "smsc", providerMessageID: providerID, attempt: 1, dedupKey: "accepted:0:1")
        try await store.record([MessageChange(
            messageID: message.id, events: [accepted],
            correlations: [Correlation(connector: "smsc", providerMessageID: providerID, messageID: message.id, part: 0, correlatedAt: at, matchKeys: matchKeys)],
            queue: .remove)])
        return message.id
    }

    static func receipt(_ keys: [ProviderReceipt.MatchKey], _ status: MessageStatus, reason: ReasonCode? = nil, to: String? = nil,
                        submitted: Date? = nil, done: Date, received: Date? = nil) -> ProviderReceipt {
        ProviderReceipt(connector: "smsc", providerMessageID: keys[0].key, kind: .status(status), reason: reason, occurredAt: done,
                        receivedAt: received ?? done, detail: ProviderDetail(status: status == .delivered ? "DELIVRD" : "UNDELIV"),
                        matchKeys: keys, addresses: to.map { [$0, "Herald"] } ?? [], submittedAt: submitted)
    }

    @Test("a decimal receipt id finds the hex submission; the destination tells two candidates apart", arguments: StoreFixtures.backends)
    func dialects(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            // 0x1a2b is 6699: one message got hex id 1a2b, another (to another number) the id "6699" written as hex.
            let hexOne = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "1a2b", at: now)
            let other = try await Self.submitted(store, account: account, to: "+447400123002", providerID: "6699", at: now)
            let decimal = Self.receipt([.init("6699"), .init("1a2b", form: .decimalOfHex), .init("26265", form: .hexOfDecimal)], .delivered,
                                       to: "447400123001", done: now.addingTimeInterval(2))
            #expect(try await store.ingest([decimal]) == [.applied(messageID: hexOne)])
            #expect(try await store.message(id: hexOne, accountID: account)?.status == .delivered)
            #expect(try await store.message(id: other, accountID: account)?.status == .accepted)
            // The same receipt with the national form of the number, zero-padded and upper-cased: the same message, a duplicate.
            let padded = Self.receipt([.init("1a2b"), .init("6699", form: .hexOfDecimal)], .delivered, to: "07400123001", done: now.addingTimeInterval(9))
            #expect(try await store.ingest([padded]) == [.duplicate(messageID: hexOne)])
        }
    }

    @Test("two forms of the id fitting two open messages to one number: parked as ambiguous, never guessed", arguments: StoreFixtures.backends)
    func ambiguous(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let first = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "1a2b", at: now)
            let second = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "6699", at: now)
            let receipt = Self.receipt([.init("6699"), .init("1a2b", form: .decimalOfHex)], .delivered, to: "447400123001", done: now)
            let outcome = try await store.ingest([receipt])
            guard case .parked(let why) = outcome.first else { Issue.record("not parked: \(outcome)"); return }
            #expect(why.contains("ambiguous"))
            #expect(try await store.message(id: first, accountID: account)?.status == .accepted)
            #expect(try await store.message(id: second, accountID: account)?.status == .accepted)
            #expect(try await store.unmatchedReceipts(connector: "smsc", limit: 10).first?.reason?.contains("ambiguous") == true)
            // Neither a later submission under one of its ids nor the re-match sweep resolves it by guessing.
            let third = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "1a2b", at: now, matchKeys: ["1a2b", "6699"])
            #expect(try await store.rematchParked(limit: 10) == 0)
            for id in [first, second, third] { #expect(try await store.message(id: id, accountID: account)?.status == .accepted) }
            #expect(try await store.unmatchedReceipts(connector: "smsc", limit: 10).count == 1)
        }
    }

    @Test("an SMSC that restarts and reuses ids: each receipt goes to the submission it answers", arguments: StoreFixtures.backends)
    func reusedIDs(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let before = Date().addingTimeInterval(-600)
            let old = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "5", at: before)
            #expect(try await store.ingest([Self.receipt([.init("5")], .undelivered, reason: .absentSubscriber, to: "447400123001",
                                                         submitted: before, done: before.addingTimeInterval(5))]) == [.applied(messageID: old)])
            // The SMSC restarts; its counter starts again and the next message to the same number gets id 5 too.
            let now = Date()
            let reused = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "5", at: now)
            let delivered = Self.receipt([.init("5")], .delivered, to: "447400123001", submitted: now, done: now.addingTimeInterval(3))
            #expect(try await store.ingest([delivered]) == [.applied(messageID: reused)])
            #expect(try await store.message(id: reused, accountID: account)?.status == .delivered)
            #expect(try await store.message(id: old, accountID: account)?.status == .undelivered, "the older message keeps its own status")
            // A late copy of the old message's receipt (its own submit date, a new done date) is that message's duplicate.
            let copy = Self.receipt([.init("5")], .undelivered, reason: .absentSubscriber, to: "447400123001", submitted: before,
                                    done: now.addingTimeInterval(60))
            #expect(try await store.ingest([copy]) == [.duplicate(messageID: old)])
            #expect(try await store.message(id: reused, accountID: account)?.status == .delivered)
            #expect(try await store.events(messageID: old).filter { $0.kind == .status(.undelivered) }.count == 1)
        }
    }

    @Test("a reused id's receipt that overtakes its submit response waits for it instead of landing on the finished message",
          arguments: StoreFixtures.backends)
    func reusedEarly(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let before = Date().addingTimeInterval(-900)
            let old = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "9", at: before)
            _ = try await store.ingest([Self.receipt([.init("9")], .delivered, to: "447400123001", submitted: before, done: before)])
            let now = Date()
            let early = Self.receipt([.init("9")], .delivered, to: "447400123001", submitted: now, done: now)
            guard case .parked = try await store.ingest([early]).first else { Issue.record("applied to the finished message"); return }
            let fresh = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "9", at: now.addingTimeInterval(0.2))
            #expect(try await store.message(id: fresh, accountID: account)?.status == .delivered)
            #expect(try await store.events(messageID: old).filter { $0.kind == .status(.delivered) }.count == 1)
            #expect(try await store.unmatchedReceipts(connector: "smsc", limit: 10).isEmpty)
        }
    }

    @Test("without a submit date, a receipt that would flip a finished message's final status is parked, not applied",
          arguments: StoreFixtures.backends)
    func noFlip(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let old = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "11", at: now)
            _ = try await store.ingest([Self.receipt([.init("11")], .undelivered, reason: .absentSubscriber, done: now)])
            let flip = Self.receipt([.init("11")], .delivered, done: now.addingTimeInterval(30))
            guard case .parked(let why) = try await store.ingest([flip]).first else { Issue.record("applied to the finished message"); return }
            #expect(why.contains("already UNDELIVERED"))
            // The re-match sweep does not undo that decision either.
            #expect(try await store.rematchParked(limit: 10) == 0)
            #expect(try await store.message(id: old, accountID: account)?.status == .undelivered)
            // The id's next submission (the SMSC reused it) takes the parked receipt when its correlation is written.
            let fresh = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "11", at: Date())
            #expect(try await store.message(id: fresh, accountID: account)?.status == .delivered)
        }
    }

    @Test("copies of a receipt stamped with other done dates are one event", arguments: StoreFixtures.backends)
    func duplicateCopies(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let id = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "77", at: now)
            let copies = (0..<3).map { Self.receipt([.init("77")], .delivered, to: "447400123001", submitted: now, done: now.addingTimeInterval(Double($0) * 60)) }
            #expect(try await store.ingest(copies) == [.applied(messageID: id), .duplicate(messageID: id), .duplicate(messageID: id)])
            #expect(try await store.ingest([copies[1]]) == [.duplicate(messageID: id)])
            #expect(try await store.events(messageID: id).filter { $0.kind == .status(.delivered) }.count == 1)
        }
    }

    @Test("a receipt parked under its decimal id is applied when the hex correlation names that form", arguments: StoreFixtures.backends)
    func parkedOtherForm(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let early = Self.receipt([.init("6699"), .init("1a2b", form: .decimalOfHex)], .delivered, to: "447400123001", done: now)
            guard case .parked = try await store.ingest([early]).first else { Issue.record("not parked"); return }
            let id = try await Self.submitted(store, account: account, to: "+447400123001", providerID: "1a2b", at: now, matchKeys: ["1a2b", "6699"])
            #expect(try await store.message(id: id, accountID: account)?.status == .delivered)
            // A parked receipt for another number is not taken by a correlation under the same id.
            let stray = Self.receipt([.init("42")], .delivered, to: "447400999999", done: now)
            _ = try await store.ingest([stray])
            let other = try await Self.submitted(store, account: account, to: "+447400123002", providerID: "42", at: now)
            #expect(try await store.message(id: other, accountID: account)?.status == .accepted)
            #expect(try await store.unmatchedReceipts(connector: "smsc", limit: 10).map(\.receipt.providerMessageID) == ["42"])
        }
    }

    @Test("a temporary-failure receipt that overtook its submit response is retried like one that came after it", arguments: StoreFixtures.backends)
    func parkedTemporaryFailureIsRetried(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let busy = Self.receipt([.init("77")], .undelivered, reason: .handsetBusy, to: "447400123003", done: now)
            guard case .parked = try await store.ingest([busy]).first else { Issue.record("not parked"); return }
            let message = NewMessage.sms(account: account, to: "+447400123003", text: "busy", at: now)
            _ = try await store.accept([message])
            _ = try await store.claim(owner: "w", limit: 10, now: now, leaseUntil: now.addingTimeInterval(30))
            let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                       connector: "smsc", providerMessageID: "77", attempt: 1, dedupKey: "accepted:0:1")
            try await store.record([MessageChange(
                messageID: message.id, events: [accepted], correlations: [Correlation(connector: "smsc", providerMessageID: "77", messageID: message.id, part: 0, correlatedAt: now)],
                queue: .remove, receiptRetry: ReceiptRetry(policy: RetryPolicy(baseDelay: 1, jitter: 0), now: now))])
            let stored = try #require(try await store.message(id: message.id, accountID: account))
            #expect(stored.status == .deferred)
            #expect(stored.reason == .handsetBusy)
            let again = try await store.claim(owner: "w", limit: 10, now: now.addingTimeInterval(5), leaseUntil: now.addingTimeInterval(35))
            #expect(again.map(\.messageID) == [message.id], "queued again for the next attempt")
            #expect(again.first?.attempt == 2)
        }
    }

    @Test("a provider's reported price is kept per provider message, once however often the receipt comes", arguments: StoreFixtures.backends)
    func providerPrices(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let id = try await Self.submitted(store, account: account, to: "+447400123004", providerID: "P1", at: now)
            var receipt = Self.receipt([.init("P1")], .delivered, to: "447400123004", done: now)
            receipt.price = ProviderPrice(amount: "0.03330000", currency: "EUR")
            _ = try await store.ingest([receipt])
            _ = try await store.ingest([receipt])
            #expect(try await store.providerPrices(messageID: id) == [ProviderPriceRecord(connector: "smsc", providerMessageID: "P1",
                                                                                       price: ProviderPrice(amount: "0.03330000", currency: "EUR"))])
            #expect(try await store.providerPrices(messageID: "msg_none").isEmpty)
            // A receipt that beat its submit response keeps its price through parking.
            var early = Self.receipt([.init("P2")], .delivered, to: "447400123005", done: now)
            early.price = ProviderPrice(category: "service")
            guard case .parked = try await store.ingest([early]).first else { Issue.record("not parked"); return }
            let second = try await Self.submitted(store, account: account, to: "+447400123005", providerID: "P2", at: now)
            #expect(try await store.message(id: second, accountID: account)?.status == .delivered)
            #expect(try await store.providerPrices(messageID: second).map(\.price) == [ProviderPrice(category: "service")])
        }
    }

    @Test("every open and click is counted with its first and last time; the timeline keeps the first; READ is not counted", arguments: StoreFixtures.backends)
    func engagementCounts(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date(timeIntervalSince1970: 1_796_000_000)
            let id = try await Self.submitted(store, account: account, to: "+447400123006", providerID: "P6", at: now)
            func engagement(_ kind: Engagement, after seconds: Double) -> ProviderReceipt {
                ProviderReceipt(connector: "smsc", providerMessageID: "P6", kind: .engagement(kind), occurredAt: now.addingTimeInterval(seconds),
                                receivedAt: now.addingTimeInterval(seconds))
            }
            #expect(try await store.engagementCounts(messageID: id).isEmpty)
            let outcomes = try await store.ingest([engagement(.opened, after: 10), engagement(.clicked, after: 20), engagement(.opened, after: 30)])
            #expect(outcomes == [.applied(messageID: id), .applied(messageID: id), .duplicate(messageID: id)])
            _ = try await store.ingest([engagement(.opened, after: 5), engagement(.read, after: 40), engagement(.read, after: 50)])
            #expect(try await store.engagementCounts(messageID: id) == [
                EngagementCount(engagement: .opened, count: 3, firstAt: now.addingTimeInterval(5), lastAt: now.addingTimeInterval(30)),
                EngagementCount(engagement: .clicked, count: 1, firstAt: now.addingTimeInterval(20), lastAt: now.addingTimeInterval(20)),
            ])
            #expect(try await store.events(messageID: id).filter { $0.kind == .engagement(.opened) }.count == 1)
        }
    }

    @Test("waiting for a connector gives the attempt back; a live worker's leases are renewed", arguments: StoreFixtures.backends)
    func waitAndRenew(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme").id
            let now = Date()
            let message = NewMessage.sms(account: account, at: now)
            _ = try await store.accept([message])
            let first = try await store.claim(owner: "w", limit: 1, now: now, leaseUntil: now.addingTimeInterval(60))
            #expect(first.map(\.attempt) == [1])
            try await store.record([MessageChange(messageID: message.id, events: [], queue: .wait(until: now.addingTimeInterval(2)))])
            let again = try await store.claim(owner: "w", limit: 1, now: now.addingTimeInterval(3), leaseUntil: now.addingTimeInterval(63))
            #expect(again.map(\.attempt) == [1], "waiting was not an attempt")
            // Renewed past the original lease: another worker cannot take it when the first lease would have run out.
            #expect(try await store.renewLeases(owner: "w", until: now.addingTimeInterval(200)) == 1)
            #expect(try await store.claim(owner: "other", limit: 1, now: now.addingTimeInterval(100), leaseUntil: now.addingTimeInterval(160)).isEmpty)
            #expect(try await store.claim(owner: "other", limit: 1, now: now.addingTimeInterval(201), leaseUntil: now.addingTimeInterval(260)).count == 1)
        }
    }
}
