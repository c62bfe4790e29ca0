import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    private static func template(_ row: Row) -> MessageTemplate {
        MessageTemplate(accountID: row[0], name: row[1], channel: (row[2] as String?).flatMap(Channel.init(rawValue:)), subject: row[3],
                        body: row[4], html: row[6], updatedAt: Date(timeIntervalSince1970: row[5]))
    }

    public func putTemplate(_ template: MessageTemplate) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO templates (account_id, name, channel, subject, body, updated_at, html) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (account_id, name) DO UPDATE SET channel = excluded.channel, subject = excluded.subject, body = excluded.body,
                    updated_at = excluded.updated_at, html = excluded.html
                """, arguments: [template.accountID, template.name, template.channel?.rawValue, template.subject, template.body,
                                 template.updatedAt.timeIntervalSince1970, template.html])
        }
    }

    public func template(accountID: String, name: String) async throws -> MessageTemplate? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT account_id, name, channel, subject, body, updated_at, html FROM templates WHERE account_id = ? AND name = ?",
                             arguments: [accountID, name]).map(Self.template)
        }
    }

    public func templates(accountID: String) async throws -> [MessageTemplate] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT account_id, name, channel, subject, body, updated_at, html FROM templates WHERE account_id = ? ORDER BY name",
                             arguments: [accountID]).map(Self.template)
        }
    }

    public func deleteTemplate(accountID: String, name: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM templates WHERE account_id = ? AND name = ?", arguments: [accountID, name])
            return db.changesCount > 0
        }
    }
}
