import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: campaigns")
struct StoreCampaignTests {
    private static func messages(_ count: Int, campaign: Campaign, at date: Date, offset: Int = 0) -> [NewMessage] {
        (0..<count).map { index in
            var message = NewMessage.sms(account: campaign.accountID, to: "+1415555\(String(format: "%04d", offset + index))", at: date)
            message.campaignID = campaign.id
            return message
        }
    }

    @Test("counts by status and reason and the cost come from the messages themselves, exactly", arguments: StoreFixtures.backends)
    func counts(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let campaign = Campaign(accountID: account.id, name: "spring", template: "promo", createdAt: now)
            try await store.createCampaign(campaign)
            var batch = Self.messages(6, campaign: campaign, at: now)
            var rejected = NewMessage.sms(account: account.id, to: "+1999", at: now)
            rejected.draft.rejection = .invalidNumber
            rejected.campaignID = campaign.id
            batch.append(rejected)
            _ = try await store.accept(batch)
            _ = try await store.accept([NewMessage.sms(account: account.id, at: now)]) // not the campaign's
            let jobs = try await store.claim(owner: "w", limit: 10, now: now, leaseUntil: now.addingTimeInterval(30))
            #expect(jobs.count == 7) // six of the campaign (the rejected one is final, never queued) and the other message
            // Three delivered, one undelivered (absent subscriber), two still sending.
            var changes: [MessageChange] = []
            for (index, message) in batch.prefix(4).enumerated() {
                let accepted = StatusEvent(messageID: message.id, part: 0, kind: .status(.accepted), source: .connector, occurredAt: now,
                                           connector: "sim", providerMessageID: "P\(index)", attempt: 1, dedupKey: "accepted:0:1")
                let final = StatusEvent(messageID: message.id, part: 0, kind: .status(index == 3 ? .undelivered : .delivered),
                                        reason: index == 3 ? .absentSubscriber : nil, source: .receipt, occurredAt: now, dedupKey: "final")
                changes.append(MessageChange(messageID: message.id, events: [accepted, final], queue: .remove))
            }
            try await store.record(changes)

            let counts = try await store.campaignCounts(campaignID: campaign.id)
            #expect(counts.total == 7)
            #expect(counts.final == 5)
            #expect(counts.byStatus == [.delivered: 3, .undelivered: 1, .sending: 2, .rejected: 1])
            #expect(counts.byReason == [.absentSubscriber: 1, .invalidNumber: 1])
            #expect(counts.costMicros == 4 * 7_500)
            #expect(counts.deliveryRate == 3.0 / 5.0)
            #expect(counts.notYetSent == 2)
            // The detail is the campaign's messages only, filterable by status and reason.
            let undelivered = try await store.messages(matching: MessageQuery(accountID: account.id, campaignID: campaign.id, reason: .absentSubscriber))
            #expect(undelivered.map(\.id) == [batch[3].id])
            #expect(undelivered.first?.campaignID == campaign.id)
            let all = try await store.messages(matching: MessageQuery(accountID: account.id, limit: 100, campaignID: campaign.id))
            #expect(all.count == 7)
            try await store.addInvalidRows(campaignID: campaign.id, count: 2, now: now)
            #expect(try await store.campaign(id: campaign.id, accountID: account.id)?.invalidRows == 2)
            #expect(try await store.campaigns(accountID: account.id, before: nil, limit: 10).map(\.id) == [campaign.id])
            let other = try await store.ensureAccount(named: "other")
            #expect(try await store.campaign(id: campaign.id, accountID: other.id) == nil)
        }
    }

    @Test("pause holds queued messages (claims pass them by), resume releases them at their own time, cancel ends them",
          arguments: StoreFixtures.backends)
    func pauseResumeCancel(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let campaign = Campaign(accountID: account.id, name: "spring", template: "promo", createdAt: now)
            try await store.createCampaign(campaign)
            let first = Self.messages(4, campaign: campaign, at: now)
            _ = try await store.accept(first)
            // One is being sent by a worker when the pause comes: it goes on.
            let leased = try await store.claim(owner: "w", limit: 1, now: now, leaseUntil: now.addingTimeInterval(30))
            #expect(leased.count == 1)

            let paused = try #require(try await store.setCampaignState(id: campaign.id, accountID: account.id, to: .paused, now: now))
            #expect(paused.campaign.state == .paused)
            #expect(paused.messages == 3)
            // Messages added while paused are held too.
            _ = try await store.accept(Self.messages(2, campaign: campaign, at: now, offset: 100))
            let later = now.addingTimeInterval(10) // the worker's lease (30 s) still runs
            #expect(try await store.claim(owner: "w", limit: 100, now: later, leaseUntil: later.addingTimeInterval(30)).isEmpty)

            let resumed = try #require(try await store.setCampaignState(id: campaign.id, accountID: account.id, to: .running, now: later))
            #expect(resumed.messages == 5)
            let claimed = try await store.claim(owner: "w", limit: 2, now: later, leaseUntil: later.addingTimeInterval(30))
            #expect(claimed.count == 2)

            // Cancel: the 3 not claimed become CANCELED; the 3 being sent are not touched.
            let canceled = try #require(try await store.setCampaignState(id: campaign.id, accountID: account.id, to: .canceled, now: later))
            #expect(canceled.messages == 3)
            let counts = try await store.campaignCounts(campaignID: campaign.id)
            #expect(counts.byStatus == [.canceled: 3, .sending: 3])
            #expect(counts.byReason.isEmpty)
            let events = try await store.events(messageID: try #require(
                try await store.messages(matching: MessageQuery(accountID: account.id, status: .canceled, campaignID: campaign.id)).first?.id))
            #expect(events.last?.detail?.text == "campaign \(campaign.id) canceled")
            // Canceled is for good.
            let again = try #require(try await store.setCampaignState(id: campaign.id, accountID: account.id, to: .running, now: later))
            #expect(again.campaign.state == .canceled)
            // Only the messages whose workers' leases ran out come back; the canceled never do.
            let reclaimed = try await store.claim(owner: "w", limit: 100, now: later.addingTimeInterval(3600), leaseUntil: later.addingTimeInterval(3700))
            #expect(reclaimed.count == 3)
            let other = try await store.ensureAccount(named: "other")
            #expect(try await store.setCampaignState(id: campaign.id, accountID: other.id, to: .paused, now: later) == nil)
        }
    }
}

@Suite("Campaign engagement rates")
struct CampaignEngagementRateTests {
    @Test("open and click rates are among the messages that reached the recipient's side; one message may count under several")
    func rates() {
        var counts = CampaignCounts()
        #expect(counts.openRate == nil)
        counts.add(status: .delivered, reason: nil, final: true, count: 6, costMicros: 0, engagement: [.opened, .clicked])
        counts.add(status: .delivered, reason: nil, final: true, count: 2, costMicros: 0, engagement: [.opened])
        counts.add(status: .sent, reason: nil, final: false, count: 2, costMicros: 0)
        counts.add(status: .undelivered, reason: .mailboxUnknown, final: true, count: 5, costMicros: 0)
        #expect(counts.reached == 10)
        #expect(counts.byEngagement == [.opened: 8, .clicked: 6])
        #expect(counts.openRate == 0.8)
        #expect(counts.clickRate == 0.6)
    }
}
