import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    /// Messages of the account to these recipients on this channel created at or after `since` and not refused
    /// before sending: what the duplicate gate compares with, read inside the accept transaction.
    func recentMessages(accountID: String, channel: HeraldCore.Channel, recipients: [String], since: Date, on connection: LiveConnection) async throws -> [RecentMessage] {
        guard !recipients.isEmpty else { return [] }
        let lowest = HeraldID.lowest(.message, at: since)
        let refused = RecentMessage.refusedStatuses.map(\.rawValue)
        let rows = try await connection.query("""
            SELECT id, recipient, sender, body FROM messages
            WHERE account_id = \(accountID) AND recipient = ANY(\(recipients)) AND id >= \(lowest) AND channel = \(channel.rawValue)
                AND status <> ALL(\(refused))
            """, logger: logger)
        var found: [RecentMessage] = []
        for try await (id, recipient, sender, body) in rows.decode((String, String, String?, String).self) {
            found.append(RecentMessage(id: id, recipient: recipient, sender: sender, text: body))
        }
        return found
    }
}
