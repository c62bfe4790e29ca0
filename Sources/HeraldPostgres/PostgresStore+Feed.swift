import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    /// Several writers commit in any order, so the sequence alone is not a safe cursor: an event with a lower
    /// `seq` can commit after one with a higher `seq` was read. Events are ordered by their writing transaction's id
    /// (`tx`), then `seq`, and only events of transactions older than every running one (`pg_snapshot_xmin`) are
    /// handed out: nothing can ever commit behind them. A transaction still running holds the feed back until it ends.
    public func feed(accountID: String, after cursor: FeedCursor, limit: Int) async throws -> [FeedEvent] {
        let rows = try await self.query("""
            SELECT \(unescaped: EventColumns.list), tx::text::int8, seq FROM events
            WHERE account_id = \(accountID) AND (tx, seq) > (\(String(cursor.tx))::xid8, \(cursor.seq))
              AND tx < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx, seq LIMIT \(limit)
            """, logger: logger)
        var events: [FeedEvent] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            let tx = try columns[EventColumns.count].decode(Int64.self)
            let seq = try columns[EventColumns.count + 1].decode(Int64.self)
            events.append(FeedEvent(cursor: FeedCursor(tx: tx, seq: seq), event: try Self.event(row)))
        }
        return events
    }

    public func feedEnd(accountID: String) async throws -> FeedCursor {
        let rows = try await self.query("""
            SELECT tx::text::int8, seq FROM events WHERE account_id = \(accountID) AND tx < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx DESC, seq DESC LIMIT 1
            """, logger: logger)
        for try await (tx, seq) in rows.decode((Int64, Int64).self) { return FeedCursor(tx: tx, seq: seq) }
        return .start
    }
}
