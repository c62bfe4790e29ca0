import Foundation
import HeraldCore
import HeraldEngine
import HeraldSQLite
import HeraldStore
import Testing

@Suite("Gates before sending: templates, quiet hours, prepaid balance")
struct GateTests {
    @Test("a template renders per recipient; a missing template or variable is REJECTED / TEMPLATE_ERROR naming it")
    func templates() async throws {
        let harness = try await EngineHarness()
        try await harness.store.putTemplate(MessageTemplate(accountID: harness.account.id, name: "otp", channel: .sms,
                                                            body: "Hi {{name}}, your code is {{code}}{{#vip}} (VIP){{/vip}} & welcome", updatedAt: Date()))
        let rendered = try await harness.send(SendRequest(channel: nil, to: "+14155550100", text: nil, template: "otp",
                                                          variables: ["name": "Ann", "code": "123456"]))
        let message = try #require(try await harness.message(rendered))
        #expect(message.text == "Hi Ann, your code is 123456 & welcome")
        #expect(message.channel == .sms)
        #expect(message.status == .queued)

        let missingVariable = try await harness.send(SendRequest(channel: "sms", to: "+14155550101", text: nil, template: "otp", variables: ["name": "Bob"]))
        let refused = try #require(try await harness.message(missingVariable))
        #expect(refused.status == .rejected)
        #expect(refused.reason == .templateError)
        #expect(refused.costMicros == 0)
        let detail = try await harness.store.events(messageID: missingVariable).first?.detail?.text
        #expect(detail == "variable 'code' of template 'otp' has no value; add it to variables")

        let missingTemplate = try await harness.send(SendRequest(channel: "sms", to: "+14155550102", text: nil, template: "nope"))
        #expect(try await harness.message(missingTemplate)?.reason == .templateError)
        #expect(try await harness.store.events(messageID: missingTemplate).first?.detail?.text?.contains("template 'nope' does not exist") == true)
    }

    @Test("promotional messages in the recipient's quiet hours are held until they end, or blocked; transactional ones pass")
    func quietHours() async throws {
        let harness = try await EngineHarness()
        // 1_800_000_000 is 2027-01-15 08:00 UTC: 03:00 in New York, 08:00 in London.
        let hold = AccountSettings(quietHours: QuietHours(start: "21:00", end: "08:00"))
        let send = { (request: SendRequest, settings: AccountSettings) async throws -> MessageRecord in
            let id = try await harness.gateway.send([request], accountID: harness.account.id, settings: settings).get()[0].outcome.messageID
            return try #require(try await harness.message(id))
        }
        let held = try await send(SendRequest(channel: "sms", to: "+12125550123", text: "Sale", category: .promotional), hold)
        #expect(held.status == .scheduled)
        #expect(held.sendAt == harness.clock.now().addingTimeInterval(5 * 3600))
        let london = try await send(SendRequest(channel: "sms", to: "+442079460018", text: "Sale", category: .promotional), hold)
        #expect(london.status == .queued)
        let transactional = try await send(SendRequest(channel: "sms", to: "+12125550124", text: "Your code"), hold)
        #expect(transactional.status == .queued)
        var block = hold
        block.quietHoursMode = .block
        let blocked = try await send(SendRequest(channel: "sms", to: "+12125550125", text: "Sale", category: .promotional), block)
        #expect(blocked.status == .dnd)
        #expect(blocked.reason == .dndListed)
        #expect(try await harness.store.events(messageID: blocked.id).first?.detail?.text == "promotional message in the recipient's quiet hours 21:00-08:00 in America/New_York")
    }

    @Test("through the simulator: delivered messages are charged, failed ones before the provider took them are refunded")
    func prepaidThroughTheSimulator() async throws {
        let harness = try await EngineHarness()
        _ = try await harness.store.addBalance(accountID: harness.account.id, micros: 100_000)
        let delivered = try await harness.send(SendRequest(channel: "sms", to: "+14155550100", text: "hello"))
        let twoParts = try await harness.send(SendRequest(channel: "sms", to: "+14155550101", text: String(repeating: "a", count: 200)))
        let canceled = try await harness.send(SendRequest(channel: "sms", to: "+14155550102", text: "later", sendAt: harness.clock.now().addingTimeInterval(3600)))
        #expect(try await harness.store.account(id: harness.account.id)?.balanceMicros == 100_000 - 4 * 7_500)
        #expect(try await harness.store.cancel(messageID: canceled, accountID: harness.account.id, now: harness.clock.now()) == .canceled)
        try await harness.settle()
        #expect(try await harness.message(delivered)?.status == .delivered)
        #expect(try await harness.message(twoParts)?.chargedMicros == 15_000)
        #expect(try await harness.store.account(id: harness.account.id)?.balanceMicros == 100_000 - 3 * 7_500)
    }
}

@Suite("Retries after temporary receipts")
struct ReceiptRetryTests {
    @Test("HANDSET_BUSY is retried with back-off and then delivered; the timeline shows the DEFERRED with next_attempt_at")
    func busyThenDelivered() async throws {
        let harness = try await EngineHarness(receiptRetries: true)
        let id = try await harness.send(SendRequest(channel: "sms", to: "+14155550129", text: "hello"))
        try await harness.settle()
        let message = try #require(try await harness.message(id))
        #expect(message.status == .delivered)
        // Segments are billed as sent: the provider accepted the part twice (the busy round and the retry).
        #expect(message.costMicros == 15_000)
        let events = try await harness.store.events(messageID: id)
        let deferred = try #require(events.first { $0.kind == .status(.deferred) })
        #expect(deferred.reason == .handsetBusy)
        #expect(deferred.nextAttemptAt != nil)
        #expect(deferred.detail?.status == "UNDELIV")
        #expect(deferred.round == 1)
        #expect(events.filter { $0.kind == .status(.accepted) }.compactMap(\.attempt) == [1, 2])
        #expect(!events.contains { $0.kind == .status(.undelivered) })
    }

    @Test("a temporary reason that never clears ends in its last reason when the attempts run out")
    func exhausted() async throws {
        let harness = try await EngineHarness(receiptRetries: true)
        let id = try await harness.send(SendRequest(channel: "sms", to: "+14155550106", text: "hello"))
        try await harness.settle(rounds: 20)
        let message = try #require(try await harness.message(id))
        #expect(message.status == .undelivered)
        #expect(message.reason == .handsetBusy)
        let events = try await harness.store.events(messageID: id)
        #expect(events.filter { $0.kind == .status(.accepted) }.count == 4)
        #expect(events.filter { $0.kind == .status(.deferred) }.count == 3)
    }

    @Test("a permanent reason is never retried")
    func permanent() async throws {
        let harness = try await EngineHarness(receiptRetries: true)
        let id = try await harness.send(SendRequest(channel: "sms", to: "+14155550103", text: "hello"))
        try await harness.settle()
        #expect(try await harness.message(id)?.status == .undelivered)
        #expect(try await harness.store.events(messageID: id).filter { $0.kind == .status(.accepted) }.count == 1)
    }
}

@Suite("Scheduling across a restart")
struct ScheduledRestartTests {
    @Test("a scheduled message survives a restart of the whole engine and goes out when its time comes")
    func scheduledAcrossRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-restart-\(UUID().uuidString).sqlite").path
        let first = try SQLiteStore(path: path)
        try await first.migrate()
        let before = try await EngineHarness(store: first)
        let id = try await before.send(SendRequest(channel: "sms", to: "+14155550100", text: "later", sendAt: before.clock.now().addingTimeInterval(600)))
        try await before.settle(rounds: 2, step: 10)
        #expect(try await before.message(id)?.status == .scheduled)
        try await first.close()

        let second = try SQLiteStore(path: path)
        try await second.migrate()
        let after = try await EngineHarness(store: second)
        after.clock.advance(by: 20)
        while try await after.dispatcher.runOnce() > 0 {}
        #expect(try await after.message(id)?.status == .scheduled)
        after.clock.advance(by: 600)
        try await after.settle(rounds: 3)
        let message = try #require(try await after.message(id))
        #expect(message.status == .delivered)
        let queued = try #require(try await second.events(messageID: id).first { $0.kind == .status(.queued) })
        #expect(queued.occurredAt >= after.clock.now().addingTimeInterval(-200))
        try await second.close()
    }
}
