import Foundation
import GRDB
import HeraldCore
import HeraldStore

/// Retention: redaction by id ranges from each table's mark, deletion of the oldest final messages, in small writes.
extension SQLiteStore {
    public func redactMessages(accountID: String, before cutoff: Date, limit: Int) async throws -> Int {
        try await writer.write { db in
            var messages = 0
            for redaction in RetentionPlan.redactions {
                let mark = try String.fetchOne(db, sql: "SELECT through FROM retention_marks WHERE account_id = ? AND kind = ?",
                                               arguments: [accountID, redaction.kind]) ?? ""
                let ids = try String.fetchAll(db, sql: """
                    SELECT id FROM \(redaction.table) WHERE account_id = ? AND id > ? AND id < ?\(redaction.only) ORDER BY id LIMIT ?
                    """, arguments: [accountID, mark, HeraldID.lowest(redaction.idKind, at: cutoff), limit])
                guard let last = ids.last else { continue }
                try db.execute(sql: "UPDATE \(redaction.table) SET \(redaction.set) WHERE account_id = ? AND id > ? AND id <= ?\(redaction.only)",
                               arguments: [accountID, mark, last])
                try db.execute(sql: """
                    INSERT INTO retention_marks (account_id, kind, through) VALUES (?, ?, ?)
                    ON CONFLICT (account_id, kind) DO UPDATE SET through = excluded.through
                    """, arguments: [accountID, redaction.kind, last])
                if redaction.kind == "messages" {
                    messages = ids.count
                    for id in ids {
                        try db.cachedStatement(sql: "UPDATE events SET \(RetentionPlan.eventRedaction.set) WHERE message_id = ?\(RetentionPlan.eventRedaction.only)")
                            .execute(arguments: [id])
                    }
                }
            }
            return messages
        }
    }

    public func deleteMessages(accountID: String, before cutoff: Date, limit: Int) async throws -> Int {
        try await writer.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM messages WHERE account_id = ? AND id < ? AND final = 1 ORDER BY id LIMIT ?",
                                          arguments: [accountID, HeraldID.lowest(.message, at: cutoff), limit])
            for id in ids {
                // Its provider ids, read from its timeline before that goes.
                try db.cachedStatement(sql: """
                    DELETE FROM correlations WHERE message_id = ?1 AND (connector, provider_id) IN
                        (SELECT connector, provider_id FROM events WHERE message_id = ?1 AND provider_id IS NOT NULL)
                    """).execute(arguments: [id])
                for table in ["events", "queue", "provider_prices", "engagement_counts"] {
                    try db.cachedStatement(sql: "DELETE FROM \(table) WHERE message_id = ?").execute(arguments: [id])
                }
                try db.cachedStatement(sql: "DELETE FROM messages WHERE id = ?").execute(arguments: [id])
            }
            let deliveries = try String.fetchAll(db, sql: """
                SELECT id FROM webhook_deliveries WHERE account_id = ? AND id < ? AND state != 'pending' ORDER BY id LIMIT ?
                """, arguments: [accountID, HeraldID.lowest(.delivery, at: cutoff), limit])
            for id in deliveries {
                try db.cachedStatement(sql: "DELETE FROM webhook_attempts WHERE delivery_id = ?").execute(arguments: [id])
                try db.cachedStatement(sql: "DELETE FROM webhook_deliveries WHERE id = ?").execute(arguments: [id])
            }
            try db.execute(sql: "DELETE FROM inbound WHERE id IN (SELECT id FROM inbound WHERE account_id = ? AND id < ? ORDER BY id LIMIT ?)",
                           arguments: [accountID, HeraldID.lowest(.inbound, at: cutoff), limit])
            return ids.count
        }
    }

    public func deleteEvidence(before cutoff: Date, limit: Int) async throws -> Int {
        try await writer.write { db in
            var deleted = 0
            for kind in RetentionPlan.evidence {
                try db.execute(sql: "DELETE FROM \(kind.table) WHERE id IN (SELECT id FROM \(kind.table) WHERE id < ? ORDER BY id LIMIT ?)",
                               arguments: [HeraldID.lowest(kind.idKind, at: cutoff), limit])
                deleted += db.changesCount
            }
            return deleted
        }
    }
}
