import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    private func templates(_ rows: Rows) async throws -> [MessageTemplate] {
        var found: [MessageTemplate] = []
        for try await (account, name, channel, subject, body, updated, html) in rows.decode((String, String, String?, String?, String, Date, String?).self) {
            found.append(MessageTemplate(accountID: account, name: name, channel: channel.flatMap(Channel.init(rawValue:)), subject: subject,
                                         body: body, html: html, updatedAt: updated))
        }
        return found
    }

    public func putTemplate(_ template: MessageTemplate) async throws {
        try await self.query("""
            INSERT INTO templates (account_id, name, channel, subject, body, updated_at, html)
            VALUES (\(template.accountID), \(template.name), \(template.channel?.rawValue), \(template.subject), \(template.body), \(template.updatedAt),
                    \(template.html))
            ON CONFLICT (account_id, name) DO UPDATE SET channel = excluded.channel, subject = excluded.subject, body = excluded.body,
                updated_at = excluded.updated_at, html = excluded.html
            """, logger: logger)
    }

    public func template(accountID: String, name: String) async throws -> MessageTemplate? {
        try await templates(self.query("""
            SELECT account_id, name, channel, subject, body, updated_at, html FROM templates WHERE account_id = \(accountID) AND name = \(name)
            """, logger: logger)).first
    }

    public func templates(accountID: String) async throws -> [MessageTemplate] {
        try await templates(self.query("""
            SELECT account_id, name, channel, subject, body, updated_at, html FROM templates WHERE account_id = \(accountID) ORDER BY name
            """, logger: logger))
    }

    public func deleteTemplate(accountID: String, name: String) async throws -> Bool {
        let rows = try await self.query("DELETE FROM templates WHERE account_id = \(accountID) AND name = \(name) RETURNING name", logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
