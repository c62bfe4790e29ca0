import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldSMPP
import HeraldStore
import SMPP
import SMSCSimulator
import Testing

@Suite("SMPP end to end: receipt ids in mixed dialects, an SMSC restart that reuses ids, outages", .serialized)
struct SMPPReceiptTruthTests {
    typealias Expected = (suffix: Int, status: MessageStatus, reason: ReasonCode?)

    static let finals = SMPPEndToEndTests.outcomes.filter { $0.suffix != 230 && $0.suffix != 231 && $0.suffix != 240 }

    func send(_ harness: SMPPHarness, count: Int, prefix: String) async throws -> [(id: String, expected: Expected)] {
        var sent: [(id: String, expected: Expected)] = []
        for index in 0..<count {
            let expected = Self.finals[index % Self.finals.count]
            let id = try await harness.send(to: SMPPEndToEndTests.number(expected.suffix, prefix: prefix + "\(index % 10)"), text: "Code \(prefix) \(index)")
            sent.append((id, expected))
        }
        return sent
    }

    func check(_ harness: SMPPHarness, _ sent: [(id: String, expected: Expected)]) async throws {
        for (id, expected) in sent {
            let record = try #require(try await harness.message(id))
            #expect(record.status == expected.status, "\(expected.suffix) \(id)")
            #expect(record.reason == expected.reason, "\(expected.suffix) \(id)")
            #expect(!record.hasConflict, "\(id)")
            let finals = try await harness.store.events(messageID: id).filter { $0.kind.assertedStatus?.isFinal == true && $0.source == .receipt }
            #expect(finals.count == 1, "one final receipt event for \(id), not \(finals.count)")
        }
    }

    @Test("Chaos with receipt ids in mixed dialects (decimal, zero-padded, other case, text or TLV only), copies stamped later, and an SMSC restart that reuses every id: each message in its exact status")
    func mixedDialectsAndRestart() async throws {
        let smsc = SMSCSimulatorConfiguration(
            idFormat: .hex, receiptDelay: 0.0...0.2, duplicateRate: 0.3, reorderRate: 0.2, earlyReceiptRate: 0.2, mixedReceiptIDs: true
        )
        try await SMPPHarness.run(smsc: smsc, connector: { $0.binds = 2; $0.window = 20; $0.submitIDFormat = .auto }) { harness in
            try await waitFor { harness.connector.boundSessions == 2 }
            let before = try await send(harness, count: 250, prefix: "+447400")
            try await harness.settle(before.map(\.id), timeout: .seconds(120))
            try await check(harness, before)

            harness.smsc.restart()
            try await waitFor { harness.connector.boundSessions == 0 }
            try await waitFor { harness.connector.boundSessions == 2 }
            let after = try await send(harness, count: 250, prefix: "+447401")
            try await harness.settle(after.map(\.id), timeout: .seconds(120))
            try await waitFor { harness.smsc.stats.receiptsAcknowledged >= harness.smsc.stats.receiptsCreated }
            try await check(harness, before + after)
            let unmatched = try await harness.store.unmatchedReceipts(connector: "carrier", limit: 50)
            #expect(unmatched.isEmpty, "\(unmatched.map { "\($0.receipt.providerMessageID): \($0.reason ?? "")" })")
        }
    }

    @Test("An SMSC that is down does not fail the queue: messages wait without using attempts, then go when it is back")
    func outageWaits() async throws {
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.01...0.02), connector: { $0.bindWait = .milliseconds(100) }) { harness in
            try await waitFor { harness.connector.boundSessions == 1 }
            harness.smsc.refuseBinds(true)
            harness.smsc.restart()
            try await waitFor { harness.connector.boundSessions == 0 }
            var ids: [String] = []
            for index in 0..<20 { ids.append(try await harness.send(to: SMPPEndToEndTests.number(200), text: "Outage \(index)")) }
            // Many dispatch rounds while the SMSC is away: far more than the retry policy's ten attempts.
            for _ in 0..<30 {
                try await harness.dispatcher.runOnce()
                try await Task.sleep(for: .milliseconds(10))
            }
            for id in ids {
                let record = try #require(try await harness.message(id))
                #expect(record.status == .deferred || record.status == .queued || record.status == .sending, "\(record.status)")
                #expect(!record.status.isFinal)
            }
            let waiting = try await harness.store.events(messageID: ids[0]).filter { $0.kind == .status(.deferred) }
            #expect(waiting.count == 1, "one waiting line, not one per look")
            #expect(waiting.first?.detail?.text?.contains("waiting for connector carrier") == true)
            harness.smsc.refuseBinds(false)
            try await harness.settle(ids, timeout: .seconds(60))
            for id in ids {
                #expect(try await harness.message(id)?.status == .delivered)
                let attempts = try await harness.store.events(messageID: id).compactMap(\.attempt).max()
                #expect(attempts == 1, "the wait used no attempt")
            }
        }
    }
}

@Suite("SMPP end to end: throttling", .serialized)
struct SMPPThrottlingTests {
    @Test("At 30 % ESME_RTHROTTLED every message is delivered on its first attempt: throttled submits are sent again, nothing deferred or lost")
    func throttledThirty() async throws {
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.0...0.02, throttleRate: 0.3), connector: { $0.window = 20 }) { harness in
            try await waitFor { harness.connector.boundSessions == 1 }
            var ids: [String] = []
            for index in 0..<300 { ids.append(try await harness.send(to: SMPPEndToEndTests.number(200, prefix: "+4474009"), text: "Throttle \(index)")) }
            try await harness.settle(ids, timeout: .seconds(120))
            for id in ids {
                #expect(try await harness.message(id)?.status == .delivered)
                let events = try await harness.store.events(messageID: id)
                #expect(!events.contains { $0.kind == .status(.deferred) }, "\(id) was deferred")
                #expect(events.compactMap(\.attempt).max() == 1)
            }
            #expect(harness.smsc.stats.throttled > 50)
        }
    }
}

@Suite("SMPP end to end: leases", .serialized)
struct SMPPLeaseTests {
    @Test("A slow SMSC outlasting the claim lease: the live worker renews it, no other worker sends the messages again")
    func renewedLeases() async throws {
        var smsc = SMSCSimulatorConfiguration(receiptDelay: 0.01...0.02)
        // The SMSC answers after more than twice the lease; renewals every third of it leave 4 s of slack for a loaded
        // machine (the whole suite runs in parallel on two cores, and a renewal waits its turn at the single writer).
        smsc.responseDelay = 13
        try await SMPPHarness.run(smsc: smsc, connector: { $0.window = 50; $0.responseTimeout = .seconds(25) }) { harness in
            try await waitFor { harness.connector.boundSessions == 1 }
            var ids: [String] = []
            for index in 0..<20 { ids.append(try await harness.send(to: SMPPEndToEndTests.number(200, prefix: "+4474008"), text: "Slow \(index)")) }
            let configuration = Dispatcher.Configuration(workers: 1, batchSize: 64, lease: 6, retry: RetryPolicy(maxAttempts: 10, baseDelay: 0.05, maxDelay: 0.4, jitter: 0))
            let first = Dispatcher(store: harness.store, connectors: ConnectorRegistry([harness.connector]), configuration: configuration)
            let second = Dispatcher(store: harness.store, connectors: ConnectorRegistry([harness.connector]), configuration: configuration)
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask { try await first.runOnce() }
                group.addTask {
                    // Another node polling all along: it would take the messages the moment a lease ran out.
                    try await Task.sleep(for: .milliseconds(100))
                    var taken = 0
                    for _ in 0..<145 {
                        taken += try await second.runOnce()
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    return taken
                }
                var handled: [Int] = []
                for try await count in group { handled.append(count) }
                #expect(handled.sorted() == [0, 20], "the first worker sent all 20, the second none: \(handled)")
            }
            #expect(harness.smsc.stats.submits == 20, "each message reached the SMSC once")
            try await harness.settle(ids, timeout: .seconds(30))
            for id in ids {
                #expect(try await harness.store.events(messageID: id).filter { $0.kind == .status(.accepted) }.count == 1)
            }
        }
    }
}
