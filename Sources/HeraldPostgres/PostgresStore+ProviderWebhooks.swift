import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    public func recordProviderWebhooks(_ webhooks: [ProviderWebhookRecord]) async throws {
        guard !webhooks.isEmpty else { return }
        try await withConnection { connection in try await self.insertWebhooks(webhooks, connection: connection) }
    }

    /// Keeps provider requests raw, in one statement however many (a copy of one already kept is left as it is).
    func insertWebhooks(_ webhooks: [ProviderWebhookRecord], connection: LiveConnection) async throws {
        guard !webhooks.isEmpty else { return }
        // postgres-nio binds no arrays of optionals: a missing query or content type goes as "" with a flag saying so.
        try await connection.query("""
            INSERT INTO provider_webhooks (id, connector, kind, received_at, method, query, content_type, body)
            SELECT id, connector, kind, received_at, method, CASE WHEN has_query THEN query END, CASE WHEN has_type THEN content_type END, body
            FROM unnest(\(webhooks.map(\.id))::text[], \(webhooks.map(\.connector))::text[], \(webhooks.map(\.kind))::text[],
                \(webhooks.map(\.receivedAt))::timestamptz[], \(webhooks.map(\.method))::text[],
                \(webhooks.map { $0.query ?? "" })::text[], \(webhooks.map { $0.query != nil })::bool[],
                \(webhooks.map { $0.contentType ?? "" })::text[], \(webhooks.map { $0.contentType != nil })::bool[],
                \(webhooks.map { ByteBuffer(bytes: $0.body) })::bytea[])
                AS w(id, connector, kind, received_at, method, query, has_query, content_type, has_type, body)
            ON CONFLICT (id) DO NOTHING
            """, logger: self.logger)
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
