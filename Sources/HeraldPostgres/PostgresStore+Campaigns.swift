import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    private static let campaignColumns = """
        id, account_id, name, template, channel, sender, category, tag, send_at, validity_minutes, callback_url, state, created_at, updated_at, invalid_rows
        """

    public func createCampaign(_ campaign: Campaign) async throws {
        try await self.query("""
            INSERT INTO campaigns (\(unescaped: Self.campaignColumns)) VALUES (\(campaign.id), \(campaign.accountID), \(campaign.name),
                \(campaign.template), \(campaign.channel), \(campaign.from), \(campaign.category.rawValue), \(campaign.tag), \(campaign.sendAt),
                \(campaign.validityMinutes), \(campaign.callbackURL), \(campaign.state.rawValue), \(campaign.createdAt), \(campaign.updatedAt),
                \(Int64(campaign.invalidRows)))
            """, logger: logger)
    }

    public func campaign(id: String, accountID: String) async throws -> Campaign? {
        try await campaigns(self.query("""
            SELECT \(unescaped: Self.campaignColumns) FROM campaigns WHERE id = \(id) AND account_id = \(accountID)
            """, logger: logger)).first
    }

    public func campaigns(accountID: String, before cursor: String?, limit: Int) async throws -> [Campaign] {
        try await campaigns(self.query("""
            SELECT \(unescaped: Self.campaignColumns) FROM campaigns WHERE account_id = \(accountID) AND id < \(cursor ?? "~")
            ORDER BY id DESC LIMIT \(limit)
            """, logger: logger))
    }

    public func campaignCounts(campaignID: String) async throws -> CampaignCounts {
        let rows = try await self.query("""
            SELECT status, reason, final, COUNT(*), COALESCE(SUM(accepted_parts::int8 * price_micros), 0)::int8, engagement FROM messages
            WHERE campaign_id = \(campaignID) GROUP BY status, reason, final, engagement
            """, logger: logger)
        var counts = CampaignCounts()
        for try await (status, reason, final, count, cost, engagement) in rows.decode((String, String?, Bool, Int, Int64, String).self) {
            guard let status = MessageStatus(rawValue: status) else { throw StoreError.corruptRow("message status \(status)") }
            counts.add(status: status, reason: reason.flatMap(ReasonCode.init(rawValue:)), final: final, count: count, costMicros: cost,
                       engagement: SetCoding.decode(engagement))
        }
        return counts
    }

    public func addInvalidRows(campaignID: String, count: Int, now: Date) async throws {
        try await self.query("""
            UPDATE campaigns SET invalid_rows = invalid_rows + \(Int64(count)), updated_at = \(now) WHERE id = \(campaignID)
            """, logger: logger)
    }

    public func setCampaignState(id: String, accountID: String, to state: CampaignState, now: Date) async throws -> CampaignStateChange? {
        let first = try await transaction { connection -> CampaignStateChange? in
            // The row lock orders this change with accepts of the campaign's messages (they read the state FOR SHARE):
            // a message accepted before it is held or canceled here, one accepted after sees the new state.
            guard var campaign = try await self.campaigns(connection.query("""
                SELECT \(unescaped: Self.campaignColumns) FROM campaigns WHERE id = \(id) AND account_id = \(accountID) FOR UPDATE
                """, logger: self.logger)).first else { return nil }
            if campaign.state == .canceled, state != .canceled { return CampaignStateChange(campaign: campaign, messages: 0) }
            var changed = 0
            switch state {
            case .paused, .canceled:
                // A cancel holds everything first, with the state: no claim takes a message of the campaign from here on.
                let rows = try await connection.query("""
                    UPDATE queue SET paused_from = available_at, available_at = \(CampaignHold.availableAt)
                    WHERE paused_from IS NULL AND (lease_until IS NULL OR lease_until < \(now))
                      AND message_id IN (SELECT m.id FROM messages m WHERE m.campaign_id = \(id) AND m.final = false)
                    RETURNING message_id
                    """, logger: self.logger)
                for try await _ in rows { changed += 1 }
            case .running:
                let rows = try await connection.query("""
                    UPDATE queue SET available_at = paused_from, paused_from = NULL
                    WHERE paused_from IS NOT NULL AND message_id IN (SELECT m.id FROM messages m WHERE m.campaign_id = \(id) AND m.final = false)
                    RETURNING message_id
                    """, logger: self.logger)
                for try await _ in rows { changed += 1 }
            }
            campaign.state = state
            campaign.updatedAt = now
            try await connection.query("UPDATE campaigns SET state = \(state.rawValue), updated_at = \(now) WHERE id = \(id)", logger: self.logger)
            return CampaignStateChange(campaign: campaign, messages: changed)
        }
        guard var change = first, state == .canceled, change.campaign.state == .canceled else { return first }
        // CANCELED for every held message, in batches, by id.
        change.messages = try await CampaignHold.cancelInBatches { after in
            try await ledgerTransaction { transaction in
                try await self.cancelCampaignMessages(campaignID: id, after: after, now: now, in: transaction)
            }
        }
        return change
    }

    /// CANCELED for the next ``CampaignHold/cancelBatch`` queued messages of the campaign (by id, after `after`) that no worker holds and no provider
    /// has. Returns the last id looked at (nil: none left) and how many were canceled.
    private func cancelCampaignMessages(campaignID: String, after: String, now: Date, in transaction: LedgerTransaction) async throws -> (last: String?, canceled: Int) {
        let connection = transaction.connection
        // Queue rows a worker is claiming right now are skipped (SKIP LOCKED): those messages are on their way out.
        var seen: [String] = []
        var queued: [String] = []
        for try await (messageID, leaseUntil) in try await connection.query("""
            SELECT q.message_id, q.lease_until FROM queue q JOIN messages m ON m.id = q.message_id
            WHERE m.campaign_id = \(campaignID) AND m.final = false AND q.message_id > \(after)
            ORDER BY q.message_id LIMIT \(CampaignHold.cancelBatch) FOR UPDATE OF q SKIP LOCKED
            """, logger: logger).decode((String, Date?).self) {
            seen.append(messageID)
            if !(leaseUntil.map { $0 > now } ?? false) { queued.append(messageID) }
        }
        guard let last = seen.last else { return (nil, 0) }
        guard !queued.isEmpty else { return (last, 0) }
        let heads = try await heads(queued, connection: connection)
        var statuses: [String: MessageStatus] = [:]
        for try await (messageID, status) in try await connection.query("""
            SELECT id, status FROM messages WHERE id = ANY(\(queued))
            """, logger: logger).decode((String, String).self) {
            statuses[messageID] = MessageStatus(rawValue: status)
        }
        let cancelable = queued.filter { id in
            guard let head = heads[id], let status = statuses[id] else { return false }
            return MessageLedger.canCancel(status: status, parts: head.parts)
        }
        guard !cancelable.isEmpty else { return (last, 0) }
        try await connection.query("DELETE FROM queue WHERE message_id = ANY(\(cancelable))", logger: logger)
        let events = Dictionary(uniqueKeysWithValues: cancelable.map { ($0, [MessageLedger.cancelEvent(messageID: $0, now: now, campaignID: campaignID)]) })
        _ = try await applyBulk(events, heads: heads, in: transaction)
        return (last, cancelable.count)
    }

    /// Which campaigns of these messages are not running (read FOR SHARE: a pause, resume or cancel waits for this accept).
    func heldCampaigns(_ messages: [NewMessage], connection: LiveConnection) async throws -> Set<String> {
        let ids = Array(Set(messages.compactMap(\.campaignID))).sorted()
        guard !ids.isEmpty else { return [] }
        var held: Set<String> = []
        for try await (id, state) in try await connection.query("""
            SELECT id, state FROM campaigns WHERE id = ANY(\(ids)) ORDER BY id FOR SHARE
            """, logger: logger).decode((String, String).self) where state != CampaignState.running.rawValue {
            held.insert(id)
        }
        return held
    }

    private func campaigns(_ rows: Rows) async throws -> [Campaign] {
        var found: [Campaign] = []
        for try await row in rows {
            let r = try row.decode((String, String, String, String, String?, String?, String, String?, Date?, Int?, String?, String, Date, Date, Int64).self)
            guard let category = MessageCategory(rawValue: r.6), let state = CampaignState(rawValue: r.11) else {
                throw StoreError.corruptRow("campaign \(r.0)")
            }
            var campaign = Campaign(id: r.0, accountID: r.1, name: r.2, template: r.3, channel: r.4, from: r.5, category: category, tag: r.7,
                                    sendAt: r.8, validityMinutes: r.9, callbackURL: r.10, state: state, createdAt: r.12, invalidRows: Int(r.14))
            campaign.updatedAt = r.13
            found.append(campaign)
        }
        return found
    }
}

/// Campaign progress: counters added to in the ledger's transaction (one statement a batch), read per campaign.
extension PostgresStore {
    func addProgress(_ counts: [CampaignProgress.Key: Int], connection: LiveConnection) async throws {
        guard !counts.isEmpty else { return }
        let rows = counts.sorted { ($0.key.campaignID, $0.key.minute, $0.key.status) < ($1.key.campaignID, $1.key.minute, $1.key.status) }
        try await connection.query("""
            INSERT INTO campaign_progress (campaign_id, minute, status, count)
            SELECT * FROM unnest(\(rows.map(\.key.campaignID))::text[], \(rows.map(\.key.minute))::int8[], \(rows.map(\.key.status))::text[],
                                 \(rows.map { Int64($0.value) })::int8[])
            ON CONFLICT (campaign_id, minute, status) DO UPDATE SET count = campaign_progress.count + excluded.count
            """, logger: logger)
    }

    public func campaignProgress(campaignID: String) async throws -> [CampaignProgress.Row] {
        var found: [CampaignProgress.Row] = []
        let rows = try await self.query("SELECT minute, status, count FROM campaign_progress WHERE campaign_id = \(campaignID) ORDER BY minute", logger: logger)
        for try await (minute, status, count) in rows.decode((Int64, String, Int64).self) {
            found.append(CampaignProgress.Row(key: CampaignProgress.Key(campaignID: campaignID, minute: minute, status: status), count: Int(count)))
        }
        return found
    }
}
