import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldPostgres
import HeraldStore
import Logging
import Testing

@Suite("End to end through the simulator")
struct SimulatorEndToEndTests {
    /// Every magic recipient and the status and reason it must end in.
    static let magicOutcomes: [(suffix: String, channel: String, status: MessageStatus, reason: ReasonCode?)] = {
        var table: [(String, String, MessageStatus, ReasonCode?)] = [("0100", "sms", .delivered, nil)]
        let carrier: [ReasonCode] = [.illegalNumber, .absentSubscriber, .callBarred, .portabilityError, .antiSpamRejection, .handsetBusy,
                                     .networkError, .invalidMessage, .unroutable, .destinationUnreachable, .ageRestriction, .blockedByCarrier,
                                     .prepaidInsufficientFunds, .generalError]
        for (offset, reason) in carrier.enumerated() { table.append(((101 + offset).leftPadded, "sms", .undelivered, reason)) }
        table += [
            ("0115", "sms", .expired, .unknownOutcome), ("0116", "sms", .expired, .unknownOutcome), ("0118", "sms", .failed, .providerRejected),
            ("0119", "sms", .delivered, nil), ("0120", "sms", .failed, .providerUnavailable), ("0121", "sms", .delivered, nil),
            ("0122", "sms", .delivered, nil), ("0123", "sms", .delivered, nil), ("0124", "sms", .delivered, nil),
            ("0125", "sms", .undelivered, .absentSubscriberTemporary), ("0126", "sms", .failed, .illegalNumber), ("0128", "sms", .failed, .throttled),
            ("0130", "email", .undelivered, .mailboxFull), ("0131", "email", .undelivered, .mailboxUnknown), ("0132", "email", .undelivered, .softBounce),
            ("0133", "email", .undelivered, .hardBounce), ("0134", "email", .undelivered, .spamComplaint),
            ("0140", "chat", .delivered, nil), ("0141", "chat", .delivered, nil),
        ]
        return table
    }()

    static func request(suffix: String, channel: String) -> SendRequest {
        switch channel {
        case "email": SendRequest(channel: "email", to: "user+\(suffix)@example.com", subject: "Hello", text: "Hi there")
        case "chat": SendRequest(channel: "chat", to: "+1415555\(suffix)", text: "Hi there")
        default: SendRequest(channel: "sms", to: "+1415555\(suffix)", text: "Your code is 123456")
        }
    }

    @Test("every magic recipient produces its documented status and reason", arguments: [0.0, 1.0])
    func magicNumbers(delay: Double) async throws {
        // delay 0: receipts overtake every submit response (parked, then applied); delay 1: the normal order.
        try await Self.checkMagicNumbers(try await EngineHarness(receiptDelay: delay...(delay * 2)))
    }

    @Test("every magic recipient on PostgreSQL too (set-based writes)", arguments: [0.0, 1.0])
    func magicNumbersOnPostgres(delay: Double) async throws {
        guard let url = ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"], !url.isEmpty else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must run the PostgreSQL engine test: set HERALD_TEST_POSTGRES_URL")
            return
        }
        let schema = "engine_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let store = try PostgresStore(url: url + (url.contains("?") ? "&" : "?") + "schema=\(schema)", logger: Logger(label: "test.postgres"))
        try await store.withRunning { store in
            try await Self.checkMagicNumbers(try await EngineHarness(store: store, receiptDelay: delay...(delay * 2)))
        }
    }

    static func checkMagicNumbers(_ harness: EngineHarness) async throws {
        var sent: [(id: String, expected: (suffix: String, channel: String, status: MessageStatus, reason: ReasonCode?))] = []
        for expected in magicOutcomes {
            sent.append((try await harness.send(request(suffix: expected.suffix, channel: expected.channel)), expected))
        }
        try await harness.settle()
        for (id, expected) in sent {
            let message = try #require(try await harness.message(id))
            #expect(message.status == expected.status, "\(expected.suffix) \(expected.channel)")
            #expect(message.reason == expected.reason, "\(expected.suffix) \(expected.channel)")
        }
        let parked = try await harness.store.unmatchedReceipts(connector: nil, limit: 100)
        #expect(parked.isEmpty, "every receipt found its message")
    }

    @Test("a temporary failure is DEFERRED with its next attempt, then delivered on retry")
    func retryThenDelivered() async throws {
        let harness = try await EngineHarness()
        let id = try await harness.send(Self.request(suffix: "0119", channel: "sms"))
        try await harness.settle()
        let events = try await harness.store.events(messageID: id)
        let kinds = events.map(\.kind.rawValue)
        #expect(kinds.prefix(3) == ["QUEUED", "SENDING", "DEFERRED"])
        let deferred = try #require(events.first { $0.kind == .status(.deferred) })
        #expect(deferred.reason == .throttled)
        #expect(deferred.nextAttemptAt != nil)
        #expect(events.contains { $0.kind == .status(.sending) && $0.attempt == 2 })
        #expect(events.contains { $0.kind == .status(.accepted) && $0.attempt == 2 })
        #expect(try await harness.message(id)?.status == .delivered)
        #expect(try await harness.message(id)?.costMicros == 7_500)
    }

    @Test("exhausted retries end FAILED with the last reason, billed once as the SMS.to seed bills FAILED")
    func retriesExhausted() async throws {
        let harness = try await EngineHarness()
        let id = try await harness.send(Self.request(suffix: "0120", channel: "sms"))
        try await harness.settle()
        let message = try #require(try await harness.message(id))
        #expect(message.status == .failed)
        #expect(message.reason == .providerUnavailable)
        #expect(message.billable)
        #expect(message.costMicros == 7_500)
        let events = try await harness.store.events(messageID: id)
        #expect(events.filter { $0.kind == .status(.deferred) }.count == 3)
        #expect(events.last?.detail?.text?.contains("retries exhausted after 4 attempts") == true)
    }

    @Test("a message that never gets a receipt expires at the end of its validity, and nothing stays open")
    func noReceiptExpires() async throws {
        let harness = try await EngineHarness()
        let silent = try await harness.send(SendRequest(channel: "sms", to: "+14155550117", text: "hello", validityMinutes: 60))
        try await harness.settle(rounds: 3)
        #expect(try await harness.message(silent)?.status == .sent)
        harness.clock.advance(by: 3600)
        #expect(try await harness.expiry.sweep() == 1)
        let message = try #require(try await harness.message(silent))
        #expect(message.status == .expired)
        #expect(message.reason == .unknownOutcome)
        #expect(message.costMicros == 7_500, "the provider accepted it: billable")
        #expect(try await harness.store.events(messageID: silent).last?.source == .timer)
    }

    @Test("a duplicated receipt is recorded once; contradicting receipts keep DELIVERED and show the conflict")
    func duplicatesAndConflicts() async throws {
        let harness = try await EngineHarness()
        let duplicate = try await harness.send(Self.request(suffix: "0121", channel: "sms"))
        let conflict = try await harness.send(Self.request(suffix: "0124", channel: "sms"))
        try await harness.settle()
        #expect(try await harness.store.events(messageID: duplicate).filter { $0.kind == .status(.delivered) }.count == 1)
        let conflicted = try #require(try await harness.message(conflict))
        #expect(conflicted.status == .delivered)
        #expect(conflicted.hasConflict)
        #expect(try await harness.store.events(messageID: conflict).contains { $0.kind == .status(.undelivered) })
    }

    @Test("a multipart message tracks each part: some delivered, some not is PARTIALLY_DELIVERED")
    func multipart() async throws {
        let harness = try await EngineHarness()
        let id = try await harness.send(SendRequest(channel: "sms", to: "+14155550127", text: String(repeating: "long text ", count: 40)))
        try await harness.settle()
        let message = try #require(try await harness.message(id))
        #expect(message.segments == 3)
        #expect(message.status == .partiallyDelivered)
        #expect(message.reason == .absentSubscriber)
        #expect(message.costMicros == 3 * 7_500)
        let parts = try await harness.store.parts(messageID: id)
        #expect(parts.map(\.state.status) == [.delivered, .undelivered, .undelivered])
        #expect(Set(parts.compactMap(\.state.providerMessageID)).count == 3)
    }

    @Test("a scheduled message waits for its time, then goes out")
    func scheduled() async throws {
        let harness = try await EngineHarness()
        let id = try await harness.send(SendRequest(channel: "sms", to: "+14155550100", text: "later", sendAt: harness.clock.now().addingTimeInterval(600)))
        while try await harness.dispatcher.runOnce() > 0 {}
        #expect(try await harness.message(id)?.status == .scheduled)
        try await harness.settle(rounds: 20)
        #expect(try await harness.message(id)?.status == .delivered)
        #expect(try await harness.store.events(messageID: id).map(\.kind.rawValue).prefix(3) == ["SCHEDULED", "QUEUED", "SENDING"])
    }

    @Test("the default mix with duplicates and reordering: every message ends final, none lost")
    func chaosMix() async throws {
        let harness = try await EngineHarness(receiptDelay: 0...5, mix: SimulatorConfiguration.defaultMix)
        var ids: [String] = []
        for index in 0..<300 {
            ids.append(try await harness.send(SendRequest(channel: "sms", to: "+1415556\(String(format: "%04d", index))", text: "hello \(index)", validityMinutes: 30)))
        }
        try await harness.settle(rounds: 30, step: 60)
        _ = try await harness.expiry.sweep()
        for id in ids {
            let status = try #require(try await harness.message(id)).status
            #expect(status.isFinal, "\(id) is \(status)")
        }
        #expect(try await harness.store.unmatchedReceipts(connector: nil, limit: 10).isEmpty)
    }
}

extension String {
    var leftPadded: String { String(repeating: "0", count: max(0, 4 - count)) + self }
}

extension Int {
    var leftPadded: String { String(self).leftPadded }
}
