import Foundation
import HeraldConnectors
import HeraldCore
import HeraldSMPP
import HeraldStore
import SMPP
import SMSCSimulator
import Testing

@Suite("SMPP end to end: Herald's client against herald smsc over loopback", .serialized)
struct SMPPEndToEndTests {
    /// Magic destination suffix, the status and reason it must end in (Vonage err table).
    static let outcomes: [(suffix: Int, status: MessageStatus, reason: ReasonCode?)] = {
        var table: [(Int, MessageStatus, ReasonCode?)] = [(200, .delivered, nil)]
        let vonage: [ReasonCode] = [.generalError, .absentSubscriberTemporary, .absentSubscriber, .callBarred, .portabilityError,
                                    .antiSpamRejection, .handsetBusy, .networkError, .illegalNumber, .invalidMessage, .unroutable,
                                    .destinationUnreachable, .ageRestriction, .blockedByCarrier, .prepaidInsufficientFunds]
        for (offset, reason) in vonage.enumerated() { table.append((201 + offset, .undelivered, reason)) }
        table += [
            (220, .undelivered, .antiSpamRejection), (221, .expired, .unknownOutcome), (222, .undelivered, .generalError),
            (223, .expired, .unknownOutcome), (230, .failed, .illegalNumber), (231, .delivered, nil), (240, .delivered, nil),
        ]
        return table
    }()

    static func number(_ suffix: Int, prefix: String = "+4474001") -> String {
        prefix + String(format: "%05d", suffix)
    }

    @Test("Every magic destination ends in its status and reason; hex submit ids match decimal receipt ids; TX+RX binds")
    func magicDestinations() async throws {
        let smsc = SMSCSimulatorConfiguration(
            credentials: ["herald": "secret"], idFormat: .hex, receiptIDFormat: .decimal, idWidth: 14, receiptDelay: 0.01...0.05
        )
        try await SMPPHarness.run(smsc: smsc, connector: { $0.receiptIDFormat = .decimal; $0.bindMode = .transmitterAndReceiver }) { harness in
            var sent: [(id: String, expected: (suffix: Int, status: MessageStatus, reason: ReasonCode?))] = []
            for expected in Self.outcomes {
                sent.append((try await harness.send(to: Self.number(expected.suffix)), expected))
            }
            let silent = try await harness.send(to: Self.number(232))
            try await harness.settle(sent.map(\.id))
            for (id, expected) in sent {
                let record = try #require(try await harness.message(id))
                #expect(record.status == expected.status, "\(expected.suffix)")
                #expect(record.reason == expected.reason, "\(expected.suffix)")
            }
            // No receipt: accepted and waiting (the validity timer ends it).
            try await harness.settle([silent], done: { $0.status == .accepted })
            // Throttled once: the connector sends it again itself (it never reached the SMSC's queue): no DEFERRED, one attempt.
            let throttled = try #require(sent.first { $0.expected.suffix == 231 })
            let events = try await harness.store.events(messageID: throttled.id)
            #expect(!events.contains { $0.kind == .status(.deferred) })
            #expect(events.compactMap(\.attempt).max() == 1)
            // The receipt's raw fields are kept on the event.
            let busy = try #require(sent.first { $0.expected.suffix == 207 })
            let receipt = try #require(try await harness.store.events(messageID: busy.id).first { $0.source == .receipt && $0.kind == .status(.undelivered) })
            #expect(receipt.detail?.status == "UNDELIV")
            #expect(receipt.detail?.errorCode == "007")
            #expect(receipt.detail?.networkErrorCode == "3:7")
            #expect(receipt.detail?.text?.contains("stat:UNDELIV err:007") == true)
            // The reply to 0240 arrived as an inbound message.
            try await waitFor { harness.inbound.messages.withLock { !$0.isEmpty } }
            let reply = try #require(harness.inbound.messages.withLock { $0.first })
            #expect(reply.from == Self.number(240))
            #expect(reply.text.hasPrefix("Reply to: Your code"))
            // Stored, listed for the account, and a REPLIED event on the message it answers.
            let answered = try #require(sent.first { $0.expected.suffix == 240 })
            try await harness.settle([answered.id], done: { $0.engagement.contains(.replied) })
            let inbound = try await harness.store.inboundMessages(accountID: harness.account.id, before: nil, limit: 10)
            #expect(inbound.first?.inReplyTo == answered.id)
        }
    }

    @Test("Multipart GSM-7 and UCS-2: each part has its own provider id and receipt", arguments: [SMPPConcatenation.udh8, .udh16, .sar, .payload])
    func multipart(concatenation: SMPPConcatenation) async throws {
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.01...0.03), connector: { $0.concatenation = concatenation }) { harness in
            let long = try await harness.send(to: Self.number(200), text: String(repeating: "Herald {SMPP} ", count: 20))
            let emoji = try await harness.send(to: Self.number(200), text: String(repeating: "Привет 😀 ", count: 12))
            try await harness.settle([long, emoji])
            for id in [long, emoji] {
                let record = try #require(try await harness.message(id))
                #expect(record.status == .delivered)
                #expect(record.parts.count >= 2)
                #expect(Set(record.parts.compactMap(\.providerMessageID)).count == record.parts.count)
            }
        }
    }

    @Test("Chaos: duplicates, reordering, receipts before responses, throttling and dropped connections mid-window; none lost, none stuck")
    func chaos() async throws {
        let smsc = SMSCSimulatorConfiguration(
            receiptDelay: 0.0...0.2, duplicateRate: 0.3, reorderRate: 0.3, earlyReceiptRate: 0.3, throttleRate: 0.05, dropEvery: 97
        )
        try await SMPPHarness.run(smsc: smsc, connector: { $0.binds = 2; $0.window = 20 }) { harness in
            let finals = Self.outcomes.filter { $0.suffix != 230 && $0.suffix != 231 && $0.suffix != 240 }
            var sent: [(id: String, expected: (suffix: Int, status: MessageStatus, reason: ReasonCode?))] = []
            for index in 0..<400 {
                let expected = finals[index % finals.count]
                sent.append((try await harness.send(to: Self.number(expected.suffix, prefix: "+447400\(index % 10)"), text: "Your code is \(index)"), expected))
            }
            try await harness.settle(sent.map(\.id), timeout: .seconds(120))
            for (id, expected) in sent {
                let record = try #require(try await harness.message(id))
                #expect(record.status == expected.status, "\(expected.suffix) \(id)")
                #expect(record.reason == expected.reason, "\(expected.suffix) \(id)")
                #expect(!record.hasConflict)
            }
            let stats = harness.smsc.stats
            #expect(stats.dropped > 0)
            #expect(stats.throttled > 0)
            // Every receipt the SMSC created was acknowledged (after it was stored); re-sends after a drop may be acknowledged twice.
            try await waitFor { harness.smsc.stats.receiptsAcknowledged >= harness.smsc.stats.receiptsCreated }
            #expect(harness.sink.pendingCount == 0)
        }
    }

    @Test("Receipts due while the SMSC aborts every session reach their messages after the rebind; none is acknowledged unapplied")
    func receiptsAcrossAbortedSessions() async throws {
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.3...1.0), connector: { $0.binds = 2 }) { harness in
            var ids: [String] = []
            for index in 0..<40 { ids.append(try await harness.send(to: "+44740091\(1000 + index)")) }
            try await harness.settle(ids, done: { $0.status == .accepted || $0.status.isFinal })
            harness.smsc.abortSessions()
            try await harness.settle(ids)
            var statuses: [MessageStatus] = []
            for id in ids { statuses.append(try #require(try await harness.message(id)).status) }
            #expect(statuses.allSatisfy { $0 == .delivered }, "\(statuses.filter { $0 != .delivered }.count) not delivered")
            try await waitFor { harness.smsc.stats.receiptsAcknowledged >= harness.smsc.stats.receiptsCreated }
        }
    }

    @Test("deliver_sm_resp is withheld until the receipt is stored")
    func acknowledgedAfterStorage() async throws {
        // A sink nobody drains stands for a store that is down.
        let smsc = SMSCSimulatorConfiguration(receiptDelay: 0.0...0.01)
        try await SMPPHarness.run(smsc: smsc) { harness in
            let submission = Submission(messageID: "msg_test", part: 0, partCount: 1, channel: .sms, to: Self.number(200), from: "Herald",
                                        subject: nil, text: "hello", attempt: 1, validUntil: Date().addingTimeInterval(3600))
            let standalone = ReceiptSink()
            var configuration = harness.connector.configuration
            configuration.systemID = "probe"  // its own system id, so the SMSC routes these receipts to it alone
            let connector = SMPPConnector(configuration: configuration, sink: standalone)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await connector.run() }
                guard case .accepted = await connector.submit(submission) else { Issue.record("not accepted"); return }
                try await waitFor { standalone.pendingCount >= 2 }  // ENROUTE + DELIVRD
                #expect(harness.smsc.stats.receiptsAcknowledged == 0)
                for entry in standalone.drain(limit: 10) { entry.onStored?() }
                try await waitFor { harness.smsc.stats.receiptsAcknowledged == 2 }
                group.cancelAll()
            }
        }
    }

    @Test("A data_sm receipt with TLVs only (no text) is applied like a deliver_sm receipt")
    func dataSMReceipt() async throws {
        // The simulator sends no receipt for 0232; the test plays the SMSC's data_sm receipt instead.
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.01...0.02)) { harness in
            let id = try await harness.send(to: Self.number(232))
            try await harness.settle([id], done: { $0.status == .accepted })
            let providerID = try #require(try await harness.message(id)?.parts.first?.providerMessageID)
            let receipt = SMPPDataSM(
                source: .international(Self.number(232)), destination: .sender("Herald"), esmClass: 0x04,
                tlvs: [.cString(.receiptedMessageID, providerID.uppercased()), .uint8(.messageState, 5),
                       SMPPTLV(tag: .networkErrorCode, value: [3, 0, 9])]
            )
            harness.smsc.inject(SMPPPDU(commandID: .dataSM, sequenceNumber: 0, body: .dataSM(receipt)), systemID: nil)
            try await harness.settle([id])
            let record = try #require(try await harness.message(id))
            #expect(record.status == .undelivered)
            let event = try #require(try await harness.store.events(messageID: id).first { $0.source == .receipt })
            #expect(event.detail?.status == "UNDELIV")
            #expect(event.detail?.networkErrorCode == "3:9")
        }
    }

    @Test("An inbound STOP opts the subscriber out of that sender: the next message is UNSUBSCRIBED; START opts back in")
    func stopKeyword() async throws {
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.01...0.02)) { harness in
            let subscriber = Self.number(200)
            let first = try await harness.send(to: subscriber, from: "Herald")
            try await harness.settle([first])
            harness.smsc.injectInbound(systemID: nil, from: subscriber, to: "Herald", text: "Stop")
            try await waitFor { harness.inbound.messages.withLock { !$0.isEmpty } }
            var suppressed = false
            for _ in 0..<100 where !suppressed {
                suppressed = try await !harness.store.suppressions(accountID: harness.account.id, recipient: subscriber, limit: 10).isEmpty
                if !suppressed { try await Task.sleep(for: .milliseconds(20)) }
            }
            let blocked = try await harness.send(to: subscriber, from: "Herald")
            #expect(try await harness.message(blocked)?.status == .unsubscribed)
            // Another sender of the account is not affected by a plain STOP.
            let other = try await harness.send(to: subscriber, from: "Alerts")
            #expect(try await harness.message(other)?.status == .queued)
            harness.smsc.injectInbound(systemID: nil, from: subscriber, to: "Herald", text: "START")
            var cleared = false
            for _ in 0..<100 where !cleared {
                cleared = try await harness.store.suppressions(accountID: harness.account.id, recipient: subscriber, limit: 10).isEmpty
                if !cleared { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(cleared)
            #expect(try await harness.message(try await harness.send(to: subscriber, text: "Welcome back", from: "Herald"))?.status == .queued)
            // HELP is answered with the help text, from the number the subscriber wrote to, as an ordinary message.
            harness.smsc.injectInbound(systemID: nil, from: subscriber, to: "Herald", text: "help")
            var answer: MessageRecord?
            for _ in 0..<100 where answer == nil {
                answer = try await harness.store.messages(matching: MessageQuery(accountID: harness.account.id, to: subscriber, limit: 10))
                    .first { $0.text == "Acme: reply STOP to opt out" }
                if answer == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(answer?.from == "Herald")
        }
    }

    @Test("Graceful shutdown unbinds every session")
    func unbindOnShutdown() async throws {
        var simulator: SMSCSimulator?
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(), connector: { $0.binds = 2; $0.bindMode = .transmitterAndReceiver }) { harness in
            simulator = harness.smsc
            try await waitFor { harness.smsc.stats.binds == 4 }
        }
        #expect(simulator?.stats.unbinds == 4)
    }

    @Test("The throughput limit spaces submits across the connector")
    func throughputLimit() async throws {
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.01...0.02), connector: { $0.throughput = 40; $0.binds = 2 }) { harness in
            try await waitFor { harness.connector.boundSessions == 2 }
            let start = ContinuousClock.now
            let results = await withTaskGroup(of: SubmitResult.self, returning: [SubmitResult].self) { group in
                for index in 0..<20 {
                    let submission = Submission(messageID: "msg_\(index)", part: 0, partCount: 1, channel: .sms, to: Self.number(200), from: nil,
                                                subject: nil, text: "hi", attempt: 1, validUntil: Date().addingTimeInterval(60))
                    group.addTask { await harness.connector.submit(submission) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = ContinuousClock.now - start
            #expect(results.allSatisfy { if case .accepted = $0 { true } else { false } })
            // 20 submits at 40/s: the last one leaves 19 intervals of 25 ms after the first.
            #expect(elapsed >= .milliseconds(450), "took \(elapsed)")
        }
    }

    @Test("Each session reports its bind state, window use, sends, throttles and last error")
    func sessionHealth() async throws {
        try await SMPPHarness.run(smsc: SMSCSimulatorConfiguration(receiptDelay: 0.01...0.02), connector: { $0.binds = 2 }) { harness in
            try await waitFor { harness.connector.boundSessions == 2 }
            for suffix in [200, 231, 230] {
                let submission = Submission(messageID: "msg_\(suffix)", part: 0, partCount: 1, channel: .sms, to: Self.number(suffix), from: nil,
                                            subject: nil, text: "hi", attempt: 1, validUntil: Date().addingTimeInterval(60))
                _ = await harness.connector.submit(submission)
            }
            let health = harness.connector.health
            #expect(health.sessions.map(\.name) == ["transceiver#0", "transceiver#1"])
            #expect(health.sessions.allSatisfy { $0.state == "bound" && $0.window == harness.connector.configuration.window && $0.inFlight == 0 })
            // 200 and 230 once each, 231 twice (throttled, then sent again).
            #expect(health.sessions.map(\.submitted).reduce(0, +) == 4)
            #expect(health.sessions.map(\.throttled).reduce(0, +) == 1)
            #expect(health.sessions.contains { $0.lastError?.contains("submit_sm answered") == true }, "the refused destination is the last error")
            #expect(health.sessions.map(\.ratePerSecond).reduce(0, +) > 0)
        }
        let smsc = SMSCSimulatorConfiguration(credentials: ["herald": "right"])
        try await SMPPHarness.run(smsc: smsc, connector: { $0.password = "wrong" }) { harness in
            try await waitFor { harness.connector.health.sessions.first?.state == "bind failed" }
            #expect(harness.connector.health.sessions.first?.lastError?.contains("bind failed") == true)
        }
    }

    @Test("A refused bind leaves submits unsent (the dispatcher makes them wait) instead of losing them")
    func bindRefused() async throws {
        let smsc = SMSCSimulatorConfiguration(credentials: ["herald": "right"])
        try await SMPPHarness.run(smsc: smsc, connector: { $0.password = "wrong"; $0.bindWait = .milliseconds(300) }) { harness in
            let submission = Submission(messageID: "msg_x", part: 0, partCount: 1, channel: .sms, to: Self.number(200), from: nil,
                                        subject: nil, text: "hi", attempt: 1, validUntil: Date().addingTimeInterval(60))
            guard case .unavailable(let detail) = await harness.connector.submit(submission) else {
                Issue.record("expected unavailable: nothing was sent, so it is no attempt")
                return
            }
            #expect(detail?.text?.contains("no bound SMPP session") == true)
            #expect(harness.connector.boundSessions == 0)
        }
    }
}

/// Polls `condition` every 20 ms for up to 10 seconds.
func waitFor(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 10 s")
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
