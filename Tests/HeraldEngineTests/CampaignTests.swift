import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldStore
import Testing

@Suite("Campaigns through the engine")
struct CampaignTests {
    /// `HERALD_CAMPAIGN_TEST_ROWS` shrinks the big campaign for a quick local run; CI runs the full 100,000.
    static let rows = ProcessInfo.processInfo.environment["HERALD_CAMPAIGN_TEST_ROWS"].flatMap(Int.init) ?? 100_000

    /// The CSV of `count` recipients (distinct numbers), handed over in 64 KiB chunks as an HTTP body or a file would be.
    static func csv(_ count: Int) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            var chunk: [UInt8] = Array("to,name\n".utf8)
            for index in 0..<count {
                // Subscriber numbers 1000-9999: clear of the simulator's magic 0100-0199, unique up to 7.2 million.
                chunk += Array("+1415\(200 + index / 9000)\(1000 + index % 9000),N\(index)\n".utf8)
                if chunk.count >= 65_536 {
                    continuation.yield(chunk)
                    chunk = []
                }
            }
            continuation.yield(chunk)
            continuation.finish()
        }
    }

    @Test("a 100,000-recipient CSV campaign through the simulator ends with counts equal to the per-message statuses")
    func bigCampaign() async throws {
        let engine = try await EngineHarness(receiptDelay: 1...30, mix: [
            (.delivered, 0.8), (.undelivered(.absentSubscriber), 0.1), (.undelivered(.callBarred), 0.05), (.submitRejected(.invalidNumber), 0.05),
        ], batchSize: 1000)
        try await engine.store.putTemplate(MessageTemplate(accountID: engine.account.id, name: "promo", channel: .sms, body: "Hi {{name}}", updatedAt: Date()))
        let campaign = Campaign(accountID: engine.account.id, name: "big", template: "promo", from: "Shop", category: .transactional, createdAt: engine.clock.now())
        try await engine.store.createCampaign(campaign)
        let upload = CampaignUpload(gateway: engine.gateway, campaign: campaign, settings: engine.account.settings)
        let started = ContinuousClock.now
        let report = try await upload.upload(csv: Self.csv(Self.rows))
        print("campaign test: \(Self.rows) rows uploaded in \(ContinuousClock.now - started)")
        #expect(report.progress.rows == Self.rows)
        #expect(report.progress.messages == Self.rows)
        #expect(report.problems.isEmpty)

        // Counts are exact while receipts stream in: after each round they equal a recount of the messages.
        for round in 0..<6 {
            try await engine.settle(rounds: 1, step: 10)
            if round == 1 { try await expectCountsMatchMessages(engine, campaign) }
        }
        try await engine.settle(rounds: 4, step: 30)
        print("campaign test: sent and settled after \(ContinuousClock.now - started)")
        let counts = try await expectCountsMatchMessages(engine, campaign)
        #expect(counts.total == Self.rows)
        #expect(counts.final == Self.rows)
        #expect(counts.delivered > Self.rows * 7 / 10)
        #expect(counts.byReason[.absentSubscriber, default: 0] > 0)
        #expect(counts.byReason[.invalidNumber, default: 0] > 0)
        // Billed as the SMS.to seed bills (BillingRule): every message but the REJECTED (and other never-sent) ones, once.
        let billable = counts.byStatus.filter { BillingRule.isBillable($0.key) }.values.reduce(0, +)
        #expect(counts.costMicros == Int64(billable) * engine.gateway.prices.price(for: .sms, to: "+14155550000"))
    }

    /// Recounts the campaign's messages page by page (the detail listing) and checks the aggregated counts against it.
    @discardableResult
    private func expectCountsMatchMessages(_ engine: EngineHarness, _ campaign: Campaign) async throws -> CampaignCounts {
        let counts = try await engine.store.campaignCounts(campaignID: campaign.id)
        var byStatus: [MessageStatus: Int] = [:]
        var byReason: [ReasonCode: Int] = [:]
        var query = MessageQuery(accountID: engine.account.id, limit: 5000, campaignID: campaign.id)
        while true {
            let page = try await engine.store.messages(matching: query)
            for message in page {
                byStatus[message.status, default: 0] += 1
                if let reason = message.reason { byReason[reason, default: 0] += 1 }
            }
            guard page.count == query.limit else { break }
            query.before = page.last?.id
        }
        #expect(counts.byStatus == byStatus)
        #expect(counts.byReason == byReason)
        return counts
    }

    @Test("pause stops dispatch of the campaign (other messages go on), resume sends the rest, cancel ends what is left")
    func pauseResumeCancel() async throws {
        let engine = try await EngineHarness(batchSize: 10)
        try await engine.store.putTemplate(MessageTemplate(accountID: engine.account.id, name: "promo", channel: .sms, body: "Hi {{name}}", updatedAt: Date()))
        let campaign = Campaign(accountID: engine.account.id, name: "c", template: "promo", category: .transactional, createdAt: engine.clock.now())
        try await engine.store.createCampaign(campaign)
        let upload = CampaignUpload(gateway: engine.gateway, campaign: campaign, settings: engine.account.settings)
        _ = try await upload.upload(csv: Self.csv(30))
        #expect(try await engine.dispatcher.runOnce() == 10)
        _ = try await engine.store.setCampaignState(id: campaign.id, accountID: engine.account.id, to: .paused, now: engine.clock.now())
        let single = try await engine.send(SendRequest(channel: "sms", to: "+14155550999", text: "OTP 1"))
        try await engine.settle(rounds: 3)
        #expect(try await engine.message(single)?.status == .delivered)
        var counts = try await engine.store.campaignCounts(campaignID: campaign.id)
        #expect(counts.byStatus == [.delivered: 10, .queued: 20])

        _ = try await engine.store.setCampaignState(id: campaign.id, accountID: engine.account.id, to: .running, now: engine.clock.now())
        #expect(try await engine.dispatcher.runOnce() == 10)
        let canceled = try await engine.store.setCampaignState(id: campaign.id, accountID: engine.account.id, to: .canceled, now: engine.clock.now())
        #expect(canceled?.messages == 10)
        try await engine.settle(rounds: 3)
        counts = try await engine.store.campaignCounts(campaignID: campaign.id)
        #expect(counts.byStatus == [.delivered: 20, .canceled: 10])
        #expect(counts.final == 30)
        // Recipients added to a canceled campaign are refused before they are read.
        let late = try await upload.upload(csv: Self.csv(5))
        #expect(late.stoppedByCancel)
        #expect(late.progress.messages == 0)
    }
}
