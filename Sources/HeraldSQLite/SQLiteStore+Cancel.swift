import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    public func cancel(messageID: String, accountID: String, now: Date) async throws -> CancelOutcome {
        try await ledgerWrite { db, outbox in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT m.parts, m.status, q.message_id, q.lease_until, \(Head.columnsOfM) FROM messages m LEFT JOIN queue q ON q.message_id = m.id
                WHERE m.id = ? AND m.account_id = ?
                """, arguments: [messageID, accountID]) else { return .notFound }
            return try Self.cancelQueued(row, now: now, outbox: &outbox, db: db) ? .canceled : .notCancelable(MessageStatus(rawValue: row[1]) ?? .queued)
        }
    }

    /// Cancels the message of a `parts, status, queue message_id, lease_until, Head.columnsOfM` row when it is queued, no
    /// worker holds it and no provider has any part: removes its queue entry and records CANCELED. False otherwise.
    static func cancelQueued(_ row: Row, now: Date, campaignID: String? = nil, outbox: inout CallbackOutbox, db: Database) throws -> Bool {
        let parts = try PartStateCoding.decode(row[0])
        let status = MessageStatus(rawValue: row[1]) ?? .queued
        guard let messageID = row[2] as String? else { return false }
        let leaseUntil: Double? = row[3]
        let leased = leaseUntil.map { $0 > now.timeIntervalSince1970 } ?? false
        guard !leased, MessageLedger.canCancel(status: status, parts: parts) else { return false }
        try db.cachedStatement(sql: "DELETE FROM queue WHERE message_id = ?").execute(arguments: [messageID])
        try applyEvents([MessageLedger.cancelEvent(messageID: messageID, now: now, campaignID: campaignID)], messageID: messageID, head: try Head(row, from: 4), outbox: &outbox, db: db)
        return true
    }
}
