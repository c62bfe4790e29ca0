import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    public func recordProviderWebhooks(_ webhooks: [ProviderWebhookRecord]) async throws {
        guard !webhooks.isEmpty else { return }
        try await withConnection { connection in try await self.insertWebhooks(webhooks, connection: connection) }
    }

    /// Keeps provider requests raw (a copy of one already kept is left as it is).
    func insertWebhooks(_ webhooks: [ProviderWebhookRecord], connection: LiveConnection) async throws {
        for webhook in webhooks {
            try await connection.query("""
                INSERT INTO provider_webhooks (id, connector, kind, received_at, method, query, content_type, body)
                VALUES (\(webhook.id), \(webhook.connector), \(webhook.kind), \(webhook.receivedAt), \(webhook.method), \(webhook.query),
                    \(webhook.contentType), \(ByteBuffer(bytes: webhook.body)))
                ON CONFLICT (id) DO NOTHING
                """, logger: self.logger)
        }
    }

    public func providerWebhooks(connector: String, limit: Int) async throws -> [ProviderWebhookRecord] {
        let rows = try await self.query("""
            SELECT id, connector, kind, received_at, method, query, content_type, body FROM provider_webhooks
            WHERE connector = \(connector) ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var records: [ProviderWebhookRecord] = []
        for try await (id, connector, kind, receivedAt, method, query, contentType, body)
            in rows.decode((String, String, String, Date, String, String?, String?, ByteBuffer).self) {
            records.append(ProviderWebhookRecord(id: id, connector: connector, kind: kind, receivedAt: receivedAt, method: method, query: query,
                                                 contentType: contentType, body: Data(body.readableBytesView)))
        }
        return records
    }
}
