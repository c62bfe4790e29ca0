import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    public func cancel(messageID: String, accountID: String, now: Date) async throws -> CancelOutcome {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT m.parts, m.status, q.message_id, q.lease_until, \(Head.columnsOfM) FROM messages m LEFT JOIN queue q ON q.message_id = m.id
                WHERE m.id = ? AND m.account_id = ?
                """, arguments: [messageID, accountID]) else { return .notFound }
            let parts = try PartStateCoding.decode(row[0])
            let status = MessageStatus(rawValue: row[1]) ?? .queued
            let queued: String? = row[2]
            let leaseUntil: Double? = row[3]
            let leased = leaseUntil.map { $0 > now.timeIntervalSince1970 } ?? false
            guard queued != nil, !leased, MessageLedger.canCancel(status: status, parts: parts) else { return .notCancelable(status) }
            try db.execute(sql: "DELETE FROM queue WHERE message_id = ?", arguments: [messageID])
            try Self.applyEvents([MessageLedger.cancelEvent(messageID: messageID, now: now)], messageID: messageID,
                                 head: try Head(row, from: 4), db: db)
            return .canceled
        }
    }
}
