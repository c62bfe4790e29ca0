import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    private static let campaignColumns = """
        id, account_id, name, template, channel, sender, category, tag, send_at, validity_minutes, callback_url, state, created_at, updated_at, invalid_rows
        """

    public func createCampaign(_ campaign: Campaign) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO campaigns (\(Self.campaignColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                campaign.id, campaign.accountID, campaign.name, campaign.template, campaign.channel, campaign.from, campaign.category.rawValue,
                campaign.tag, campaign.sendAt?.timeIntervalSince1970, campaign.validityMinutes, campaign.callbackURL, campaign.state.rawValue,
                campaign.createdAt.timeIntervalSince1970, campaign.updatedAt.timeIntervalSince1970, campaign.invalidRows,
            ])
        }
    }

    public func campaign(id: String, accountID: String) async throws -> Campaign? {
        try await pool.read { db in try Self.campaign(id: id, accountID: accountID, db: db) }
    }

    public func campaigns(accountID: String, before cursor: String?, limit: Int) async throws -> [Campaign] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.campaignColumns) FROM campaigns WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                             arguments: [accountID, cursor ?? "~", limit]).map(Self.campaign)
        }
    }

    public func campaignCounts(campaignID: String) async throws -> CampaignCounts {
        try await pool.read { db in
            var counts = CampaignCounts()
            let rows = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT status, reason, final, COUNT(*), SUM(accepted_parts * price_micros), engagement FROM messages WHERE campaign_id = ?
                GROUP BY status, reason, final, engagement
                """), arguments: [campaignID])
            while let row = try rows.next() {
                guard let status = MessageStatus(rawValue: row[0]) else { throw StoreError.corruptRow("message status \(row[0] as String)") }
                counts.add(status: status, reason: (row[1] as String?).flatMap(ReasonCode.init(rawValue:)), final: row[2], count: row[3], costMicros: row[4],
                           engagement: SetCoding.decode(row[5] as String?))
            }
            return counts
        }
    }

    public func addInvalidRows(campaignID: String, count: Int, now: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE campaigns SET invalid_rows = invalid_rows + ?, updated_at = ? WHERE id = ?",
                           arguments: [count, now.timeIntervalSince1970, campaignID])
        }
    }

    public func setCampaignState(id: String, accountID: String, to state: CampaignState, now: Date) async throws -> CampaignStateChange? {
        let first = try await writer.write { db -> CampaignStateChange? in
            guard var campaign = try Self.campaign(id: id, accountID: accountID, db: db) else { return nil }
            // Canceled is for good; canceling again sweeps messages that were being added while it was canceled.
            if campaign.state == .canceled, state != .canceled { return CampaignStateChange(campaign: campaign, messages: 0) }
            let time = now.timeIntervalSince1970
            var changed = 0
            switch state {
            case .paused, .canceled:
                // A cancel holds everything first, in the same transaction as the state: no claim takes a message of the
                // campaign from here on, while the messages are canceled in batches after it.
                try db.execute(sql: """
                    UPDATE queue SET paused_from = available_at, available_at = ?
                    WHERE paused_from IS NULL AND (lease_until IS NULL OR lease_until < ?)
                      AND message_id IN (SELECT id FROM messages WHERE campaign_id = ? AND final = 0)
                    """, arguments: [CampaignHold.availableAt.timeIntervalSince1970, time, id])
                changed = db.changesCount
            case .running:
                try db.execute(sql: """
                    UPDATE queue SET available_at = paused_from, paused_from = NULL
                    WHERE paused_from IS NOT NULL AND message_id IN (SELECT id FROM messages WHERE campaign_id = ? AND final = 0)
                    """, arguments: [id])
                changed = db.changesCount
            }
            campaign.state = state
            campaign.updatedAt = now
            try db.execute(sql: "UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?", arguments: [state.rawValue, time, id])
            return CampaignStateChange(campaign: campaign, messages: changed)
        }
        guard var change = first, state == .canceled, change.campaign.state == .canceled else { return first }
        // CANCELED for every held message, in batches (the single writer is never held for long), by id.
        change.messages = try await CampaignHold.cancelInBatches { after in
            try await ledgerWrite { db, outbox -> (last: String?, canceled: Int) in
                let rows = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT m.parts, m.status, q.message_id, q.lease_until, \(Head.columnsOfM) FROM messages m JOIN queue q ON q.message_id = m.id
                    WHERE m.campaign_id = ? AND m.final = 0 AND m.id > ? ORDER BY m.id LIMIT ?
                    """), arguments: [id, after, CampaignHold.cancelBatch])
                var count = 0
                for row in rows where try Self.cancelQueued(row, now: now, campaignID: id, outbox: &outbox, db: db) { count += 1 }
                return (rows.last?[2], count)
            }
        }
        return change
    }

    /// Which campaigns of these messages are not running: their new messages' queue entries are held.
    static func heldCampaigns(_ messages: [NewMessage], db: Database) throws -> Set<String> {
        let ids = Set(messages.compactMap(\.campaignID))
        guard !ids.isEmpty else { return [] }
        var held: Set<String> = []
        for id in ids {
            let state = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM campaigns WHERE id = ?"), arguments: [id])
            if state != CampaignState.running.rawValue { held.insert(id) }
        }
        return held
    }

    private static func campaign(id: String, accountID: String, db: Database) throws -> Campaign? {
        try Row.fetchOne(db, sql: "SELECT \(campaignColumns) FROM campaigns WHERE id = ? AND account_id = ?", arguments: [id, accountID]).map(campaign)
    }

    private static func campaign(_ row: Row) throws -> Campaign {
        guard let category = MessageCategory(rawValue: row[6]), let state = CampaignState(rawValue: row[11]) else {
            throw StoreError.corruptRow("campaign \(row[0] as String)")
        }
        var campaign = Campaign(
            id: row[0], accountID: row[1], name: row[2], template: row[3], channel: row[4], from: row[5], category: category, tag: row[7],
            sendAt: (row[8] as Double?).map(Date.init(timeIntervalSince1970:)), validityMinutes: row[9], callbackURL: row[10], state: state,
            createdAt: Date(timeIntervalSince1970: row[12]), invalidRows: row[14]
        )
        campaign.updatedAt = Date(timeIntervalSince1970: row[13])
        return campaign
    }
}

/// Campaign progress: counters added to in the ledger's transaction, read per campaign.
extension SQLiteStore {
    static func addProgress(_ key: CampaignProgress.Key, count: Int, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO campaign_progress (campaign_id, minute, status, count) VALUES (?, ?, ?, ?)
            ON CONFLICT (campaign_id, minute, status) DO UPDATE SET count = count + excluded.count
            """).execute(arguments: [key.campaignID, key.minute, key.status, count])
    }

    public func campaignProgress(campaignID: String) async throws -> [CampaignProgress.Row] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT minute, status, count FROM campaign_progress WHERE campaign_id = ? ORDER BY minute", arguments: [campaignID]).map {
                CampaignProgress.Row(key: CampaignProgress.Key(campaignID: campaignID, minute: $0[0], status: $0[1]), count: $0[2])
            }
        }
    }
}
