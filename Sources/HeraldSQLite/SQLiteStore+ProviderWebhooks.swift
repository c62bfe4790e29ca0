import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    public func recordProviderWebhooks(_ webhooks: [ProviderWebhookRecord]) async throws {
        guard !webhooks.isEmpty else { return }
        try await writer.write { db in try Self.insertWebhooks(webhooks, db: db) }
    }

    /// Keeps provider requests raw (a copy of one already kept is left as it is).
    static func insertWebhooks(_ webhooks: [ProviderWebhookRecord], db: Database) throws {
        guard !webhooks.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO provider_webhooks (id, connector, kind, received_at, method, query, content_type, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING
            """)
        for webhook in webhooks {
            try insert.execute(arguments: [webhook.id, webhook.connector, webhook.kind, webhook.receivedAt.timeIntervalSince1970, webhook.method,
                                           webhook.query, webhook.contentType, webhook.body])
        }
    }

    public func providerWebhooks(connector: String, limit: Int) async throws -> [ProviderWebhookRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, connector, kind, received_at, method, query, content_type, body FROM provider_webhooks
                WHERE connector = ? ORDER BY id DESC LIMIT ?
                """, arguments: [connector, limit]).map { row in
                ProviderWebhookRecord(id: row[0], connector: row[1], kind: row[2], receivedAt: Date(timeIntervalSince1970: row[3]), method: row[4],
                                      query: row[5], contentType: row[6], body: row[7])
            }
        }
    }
}
