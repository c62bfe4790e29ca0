import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: prepaid balances, settings, templates, DND")
struct StoreAccountTests {
    @Test("a prepaid balance is reserved at accept, charged when the provider takes a part, released when the message ends unsent",
          arguments: StoreFixtures.backends)
    func balance(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            #expect(account.balanceMicros == nil)
            #expect(try await store.addBalance(accountID: account.id, micros: 20_000)?.balanceMicros == 20_000)
            let now = Date()
            let first = NewMessage.sms(account: account.id, to: "+14155550101", at: now)
            let second = NewMessage.sms(account: account.id, to: "+14155550102", at: now)
            let third = NewMessage.sms(account: account.id, to: "+14155550103", at: now)
            let stored = try await store.accept([first, second, third], screening: .none)
            #expect(stored.map(\.message.reservedMicros) == [7_500, 7_500, nil])
            #expect(stored[2].message.draft.rejection == .insufficientBalance)
            let refused = try #require(try await store.message(id: third.id, accountID: account.id))
            #expect(refused.status == .rejected)
            #expect(refused.reason == .insufficientBalance)
            #expect(try await store.events(messageID: third.id).first?.detail?.text == "costs 0.0075, the balance is 0.005")
            #expect(try await store.account(id: account.id)?.balanceMicros == 5_000)

            // The provider takes the first: charged (the reservation becomes the charge, the balance is unchanged).
            let accepted = StatusEvent(messageID: first.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                       connector: "sim", providerMessageID: "P1", attempt: 1, dedupKey: "accepted:0:1")
            try await store.record([MessageChange(messageID: first.id, events: [accepted], queue: .remove)])
            let charged = try #require(try await store.message(id: first.id, accountID: account.id))
            #expect(charged.chargedMicros == 7_500)
            #expect(charged.reservedMicros == 0)
            // The second is canceled before sending: its reservation goes back.
            #expect(try await store.cancel(messageID: second.id, accountID: account.id, now: now) == .canceled)
            #expect(try await store.message(id: second.id, accountID: account.id)?.reservedMicros == 0)
            #expect(try await store.account(id: account.id)?.balanceMicros == 12_500)
            // A delivery receipt for the first changes nothing more.
            let delivered = StatusEvent(messageID: first.id, part: 0, kind: .status(.delivered), source: .receipt, occurredAt: now, dedupKey: "dlr")
            try await store.record([MessageChange(messageID: first.id, events: [delivered])])
            #expect(try await store.account(id: account.id)?.balanceMicros == 12_500)
            // Postpaid accounts reserve nothing.
            #expect(try await store.makePostpaid(accountID: account.id)?.balanceMicros == nil)
            let free = try await store.accept([NewMessage.sms(account: account.id, to: "+14155550104", at: now)], screening: .none)
            #expect(free[0].message.reservedMicros == nil)
            #expect(free[0].message.draft.rejection == nil)
        }
    }

    @Test("concurrent sends against a small balance never overdraw it", arguments: StoreFixtures.backends)
    func concurrentSends(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            _ = try await store.addBalance(accountID: account.id, micros: 5 * 7_500 + 100)
            let now = Date()
            let outcomes = try await withThrowingTaskGroup(of: ReasonCode?.self) { group in
                for index in 0..<24 {
                    group.addTask {
                        let message = NewMessage.sms(account: account.id, to: "+1415555\(2000 + index)", at: now)
                        return try await store.accept([message], screening: .none)[0].message.draft.rejection
                    }
                }
                var all: [ReasonCode?] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0 == nil }.count == 5)
            #expect(outcomes.filter { $0 == .insufficientBalance }.count == 19)
            #expect(try await store.account(id: account.id)?.balanceMicros == 100)
        }
    }

    @Test("settings round-trip; templates are created, replaced, listed and deleted", arguments: StoreFixtures.backends)
    func settingsAndTemplates(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let settings = AccountSettings(defaultCountry: "GB", validityMinutes: 60, smartEncoding: true, helpText: "Acme help",
                                           quietHours: QuietHours(start: "21:00", end: "08:00"), quietHoursMode: .block)
            #expect(try await store.updateSettings(accountID: account.id, settings: settings)?.settings == settings)
            #expect(try await store.account(named: "acme")?.settings == settings)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            try await store.putTemplate(MessageTemplate(accountID: account.id, name: "otp", channel: .sms, body: "Code {{code}}", updatedAt: now))
            try await store.putTemplate(MessageTemplate(accountID: account.id, name: "otp", channel: .sms, body: "Your code: {{code}}", updatedAt: now))
            try await store.putTemplate(MessageTemplate(accountID: account.id, name: "hello", body: "Hi {{name}}", updatedAt: now))
            try await store.putTemplate(MessageTemplate(accountID: account.id, name: "mail", channel: .email, subject: "Hi", body: "Hi {{name}}",
                                                        html: "<p>Hi {{name}}</p>", updatedAt: now))
            #expect(try await store.template(accountID: account.id, name: "mail")?.html == "<p>Hi {{name}}</p>")
            #expect(try await store.deleteTemplate(accountID: account.id, name: "mail"))
            #expect(try await store.template(accountID: account.id, name: "otp")?.body == "Your code: {{code}}")
            #expect(try await store.templates(accountID: account.id).map(\.name) == ["hello", "otp"])
            #expect(try await store.deleteTemplate(accountID: account.id, name: "hello"))
            #expect(try await store.deleteTemplate(accountID: account.id, name: "hello") == false)
            #expect(try await store.template(accountID: account.id, name: "hello") == nil)
        }
    }

    @Test("a DND-listed number gets no promotional message (DND / DND_LISTED); transactional ones pass", arguments: StoreFixtures.backends)
    func dnd(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            #expect(try await store.addDND(accountID: account.id, recipients: ["+14155550101", "+14155550102"], now: now) == 2)
            #expect(try await store.addDND(accountID: account.id, recipients: ["+14155550101"], now: now) == 0)
            var promotional = NewMessage.sms(account: account.id, to: "+14155550101", text: "Sale!", at: now)
            promotional.draft.category = .promotional
            let transactional = NewMessage.sms(account: account.id, to: "+14155550101", text: "Your code", at: now)
            var elsewhere = NewMessage.sms(account: account.id, to: "+14155550103", text: "Sale!", at: now)
            elsewhere.draft.category = .promotional
            let screening = Screening(duplicateWindow: 0, suppressions: true, dnd: true, now: now)
            let stored = try await store.accept([promotional, transactional, elsewhere], screening: screening)
            #expect(stored.map(\.message.draft.rejection) == [.dndListed, nil, nil])
            #expect(try await store.message(id: promotional.id, accountID: account.id)?.status == .dnd)
            #expect(try await store.dndList(accountID: account.id, limit: 10).map(\.recipient).sorted() == ["+14155550101", "+14155550102"])
            #expect(try await store.removeDND(accountID: account.id, recipient: "+14155550101"))
            #expect(try await store.removeDND(accountID: account.id, recipient: "+14155550101") == false)
        }
    }
}

@Suite("Store contract: retries after temporary receipts")
struct StoreReceiptRetryTests {
    @Test("a HANDSET_BUSY receipt becomes a DEFERRED of the next round and queues the part again; its copy changes nothing",
          arguments: StoreFixtures.backends)
    func retry(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let message = NewMessage.sms(account: account.id, at: now)
            _ = try await store.accept([message])
            let job = try #require(try await store.claim(owner: "w", limit: 1, now: now, leaseUntil: now.addingTimeInterval(30)).first)
            let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                       connector: "sim", providerMessageID: "P1", attempt: job.attempt, dedupKey: "accepted:0:1")
            try await store.record([MessageChange(messageID: message.id, events: [accepted],
                                                  correlations: [Correlation(connector: "sim", providerMessageID: "P1", messageID: message.id, part: 0)],
                                                  queue: .remove)])
            let busy = ProviderReceipt(connector: "sim", providerMessageID: "P1", kind: .status(.undelivered), reason: .handsetBusy,
                                       occurredAt: now.addingTimeInterval(1), receivedAt: now.addingTimeInterval(1),
                                       detail: ProviderDetail(status: "UNDELIV", errorCode: "007"))
            let retry = ReceiptRetry(policy: RetryPolicy(maxAttempts: 3, baseDelay: 10, maxDelay: 60, jitter: 0), now: now.addingTimeInterval(1))
            #expect(try await store.ingest([busy], retry: retry) == [.applied(messageID: message.id)])
            #expect(try await store.ingest([busy], retry: retry) == [.duplicate(messageID: message.id)])
            let waiting = try #require(try await store.message(id: message.id, accountID: account.id))
            #expect(waiting.status == .deferred)
            #expect(waiting.reason == .handsetBusy)
            let deferred = try #require(try await store.events(messageID: message.id).last)
            #expect(deferred.kind == .status(.deferred))
            #expect(deferred.round == 1)
            #expect(abs((deferred.nextAttemptAt ?? .distantPast).timeIntervalSince(now.addingTimeInterval(11))) < 0.01)
            // Not before its time; then attempt 2 of part 0, in round 1.
            #expect(try await store.claim(owner: "w", limit: 1, now: now.addingTimeInterval(5), leaseUntil: now.addingTimeInterval(35)).isEmpty)
            let again = try #require(try await store.claim(owner: "w", limit: 1, now: now.addingTimeInterval(12), leaseUntil: now.addingTimeInterval(42)).first)
            #expect(again.attempt == 2)
            #expect(again.pendingParts == [0])
            #expect(again.rounds == [1])
            // The old attempt's late SENT cannot hide the new round.
            let lateSent = ProviderReceipt(connector: "sim", providerMessageID: "P1", kind: .status(.sent), occurredAt: now.addingTimeInterval(0.5),
                                           receivedAt: now.addingTimeInterval(13))
            _ = try await store.ingest([lateSent], retry: retry)
            #expect(try await store.message(id: message.id, accountID: account.id)?.status == .deferred)
        }
    }
}
