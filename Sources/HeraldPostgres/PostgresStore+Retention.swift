import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Retention: redaction by id ranges from each table's mark, deletion of the oldest final messages, in small writes.
extension PostgresStore {
    public func redactMessages(accountID: String, before cutoff: Date, limit: Int) async throws -> Int {
        try await transaction { connection in
            var messages = 0
            for redaction in RetentionPlan.redactions {
                var mark = ""
                for try await (through) in try await connection.query("""
                    SELECT through FROM retention_marks WHERE account_id = \(accountID) AND kind = \(redaction.kind) FOR UPDATE
                    """, logger: self.logger).decode(String.self) { mark = through }
                var ids: [String] = []
                for try await (id) in try await connection.query("""
                    SELECT id FROM \(unescaped: redaction.table) WHERE account_id = \(accountID) AND id > \(mark)
                        AND id < \(HeraldID.lowest(redaction.idKind, at: cutoff))\(unescaped: redaction.only) ORDER BY id LIMIT \(limit)
                    """, logger: self.logger).decode(String.self) { ids.append(id) }
                guard let last = ids.last else { continue }
                try await connection.query("""
                    UPDATE \(unescaped: redaction.table) SET \(unescaped: redaction.set)
                    WHERE account_id = \(accountID) AND id > \(mark) AND id <= \(last)\(unescaped: redaction.only)
                    """, logger: self.logger)
                try await connection.query("""
                    INSERT INTO retention_marks (account_id, kind, through) VALUES (\(accountID), \(redaction.kind), \(last))
                    ON CONFLICT (account_id, kind) DO UPDATE SET through = excluded.through
                    """, logger: self.logger)
                if redaction.kind == "messages" {
                    messages = ids.count
                    try await connection.query("""
                        UPDATE events SET \(unescaped: RetentionPlan.eventRedaction.set) WHERE message_id = ANY(\(ids))\(unescaped: RetentionPlan.eventRedaction.only)
                        """, logger: self.logger)
                }
            }
            return messages
        }
    }

    public func deleteMessages(accountID: String, before cutoff: Date, limit: Int) async throws -> Int {
        try await transaction { connection in
            var ids: [String] = []
            for try await (id) in try await connection.query("""
                SELECT id FROM messages WHERE account_id = \(accountID) AND id < \(HeraldID.lowest(.message, at: cutoff)) AND final
                ORDER BY id LIMIT \(limit) FOR UPDATE
                """, logger: self.logger).decode(String.self) { ids.append(id) }
            if !ids.isEmpty {
                // Their provider ids, read from their timelines before those go.
                try await connection.query("""
                    DELETE FROM correlations c USING (SELECT DISTINCT message_id, connector, provider_id FROM events
                        WHERE message_id = ANY(\(ids)) AND provider_id IS NOT NULL) e
                    WHERE c.connector = e.connector AND c.provider_id = e.provider_id AND c.message_id = e.message_id
                    """, logger: self.logger)
                for table in ["events", "queue", "provider_prices", "engagement_counts"] {
                    try await connection.query("DELETE FROM \(unescaped: table) WHERE message_id = ANY(\(ids))", logger: self.logger)
                }
                try await connection.query("DELETE FROM messages WHERE id = ANY(\(ids))", logger: self.logger)
            }
            var deliveries: [String] = []
            for try await (id) in try await connection.query("""
                SELECT id FROM webhook_deliveries WHERE account_id = \(accountID) AND id < \(HeraldID.lowest(.delivery, at: cutoff)) AND state <> 'pending'
                ORDER BY id LIMIT \(limit)
                """, logger: self.logger).decode(String.self) { deliveries.append(id) }
            if !deliveries.isEmpty {
                try await connection.query("DELETE FROM webhook_attempts WHERE delivery_id = ANY(\(deliveries))", logger: self.logger)
                try await connection.query("DELETE FROM webhook_deliveries WHERE id = ANY(\(deliveries))", logger: self.logger)
            }
            try await connection.query("""
                DELETE FROM inbound WHERE id IN (SELECT id FROM inbound WHERE account_id = \(accountID) AND id < \(HeraldID.lowest(.inbound, at: cutoff))
                ORDER BY id LIMIT \(limit))
                """, logger: self.logger)
            return ids.count
        }
    }

    public func deleteEvidence(before cutoff: Date, limit: Int) async throws -> Int {
        try await transaction { connection in
            var deleted = 0
            for kind in RetentionPlan.evidence {
                let rows = try await connection.query("""
                    DELETE FROM \(unescaped: kind.table) WHERE id IN
                        (SELECT id FROM \(unescaped: kind.table) WHERE id < \(HeraldID.lowest(kind.idKind, at: cutoff)) ORDER BY id LIMIT \(limit))
                    RETURNING 1
                    """, logger: self.logger)
                deleted += rows.rows.count
            }
            return deleted
        }
    }
}
