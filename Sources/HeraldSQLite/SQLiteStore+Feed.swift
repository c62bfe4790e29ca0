import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    /// SQLite has one writer: events commit in `seq` order, so the sequence alone is the feed order.
    public func feed(accountID: String, after cursor: FeedCursor, limit: Int) async throws -> [FeedEvent] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(EventColumns.list), seq FROM events WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?
                """), arguments: [accountID, cursor.seq, limit]).map { row in
                FeedEvent(cursor: FeedCursor(tx: 0, seq: row[EventColumns.count]), event: try Self.event(row))
            }
        }
    }

    public func feedEnd(accountID: String) async throws -> FeedCursor {
        try await pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(seq) FROM events WHERE account_id = ?"), arguments: [accountID])
                .map { FeedCursor(tx: 0, seq: $0) } ?? .start
        }
    }
}
