import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    /// Messages of the account to these recipients on this channel created at or after `since` and not refused
    /// before sending: what the duplicate gate compares with, read inside the accept transaction.
    static func recentMessages(accountID: String, channel: Channel, recipients: [String], since: Date, db: Database) throws -> [RecentMessage] {
        // Ids are time-ordered: `id >= lowest id of since` makes it a range scan of (recipient, id) per recipient, whatever
        // the account's other messages (a campaign's million rows) would suggest to the planner.
        let lowest = HeraldID.lowest(.message, at: since)
        let refused = RecentMessage.refusedStatuses.map { "'\($0.rawValue)'" }.joined(separator: ",")
        var found: [RecentMessage] = []
        for start in stride(from: 0, to: recipients.count, by: 500) {
            let chunk = Array(recipients[start..<min(start + 500, recipients.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, recipient, sender, body FROM messages INDEXED BY messages_recipient
                WHERE account_id = ? AND recipient IN (\(marks)) AND id >= ? AND channel = ? AND status NOT IN (\(refused))
                """, arguments: StatementArguments([accountID] + chunk + [lowest, channel.rawValue]))
            found += rows.map { RecentMessage(id: $0[0], recipient: $0[1], sender: $0[2], text: $0[3]) }
        }
        return found
    }
}
