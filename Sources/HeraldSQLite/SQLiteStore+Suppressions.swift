import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    public func addSuppression(_ suppression: Suppression) async throws {
        try await writer.write { db in try Self.insertSuppression(suppression, db: db) }
    }

    public func suppressRecipient(ofMessage messageID: String, source: String, at: Date) async throws -> Bool {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT account_id, channel, recipient FROM messages WHERE id = ?"), arguments: [messageID]),
                  let channel = Channel(rawValue: row[1])
            else { return false }
            try Self.insertSuppression(Suppression(accountID: row[0], channel: channel, recipient: row[2], source: source, createdAt: at), db: db)
            return true
        }
    }

    /// Adds a suppression inside a write (one already there is kept): the API's, an inbound STOP's, a bounce's.
    static func insertSuppression(_ suppression: Suppression, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO suppressions (account_id, channel, recipient, sender, source, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [suppression.accountID, suppression.channel.rawValue, suppression.recipient, suppression.sender,
                                     suppression.source, suppression.createdAt.timeIntervalSince1970])
    }

    public func removeSuppressions(accountID: String, channel: Channel, recipient: String, sender: String?) async throws -> Int {
        try await writer.write { db in
            if let sender {
                try db.execute(sql: "DELETE FROM suppressions WHERE account_id = ? AND channel = ? AND recipient = ? AND sender IN (?, '')",
                               arguments: [accountID, channel.rawValue, recipient, sender])
            } else {
                try db.execute(sql: "DELETE FROM suppressions WHERE account_id = ? AND channel = ? AND recipient = ?",
                               arguments: [accountID, channel.rawValue, recipient])
            }
            return db.changesCount
        }
    }

    public func suppressions(accountID: String, recipient: String?, limit: Int) async throws -> [Suppression] {
        try await pool.read { db in
            let rows: [Row]
            if let recipient {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM suppressions WHERE account_id = ? AND recipient = ? ORDER BY created_at DESC LIMIT ?",
                                        arguments: [accountID, recipient, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM suppressions WHERE account_id = ? ORDER BY created_at DESC LIMIT ?",
                                        arguments: [accountID, limit])
            }
            return rows.compactMap(Self.suppression)
        }
    }

    public func suppressions(accountID: String, channel: Channel, recipients: [String]) async throws -> [Suppression] {
        guard !recipients.isEmpty else { return [] }
        return try await pool.read { db in try Self.suppressions(accountID: accountID, channel: channel, recipients: recipients, db: db) }
    }

    static func suppressions(accountID: String, channel: Channel, recipients: [String], db: Database) throws -> [Suppression] {
        // Most accounts have no opt-outs on a channel: one probe instead of a lookup per recipient.
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM suppressions WHERE account_id = ? AND channel = ?)"),
                                arguments: [accountID, channel.rawValue]) == true else { return [] }
        var found: [Suppression] = []
        // Chunks stay under SQLite's bound-parameter limit.
        for start in stride(from: 0, to: recipients.count, by: 500) {
            let chunk = Array(recipients[start..<min(start + 500, recipients.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM suppressions WHERE account_id = ? AND channel = ? AND recipient IN (\(marks))",
                                        arguments: StatementArguments([accountID, channel.rawValue] + chunk))
            found += rows.compactMap(Self.suppression)
        }
        return found
    }

    private static func suppression(_ row: Row) -> Suppression? {
        guard let channel = Channel(rawValue: row["channel"]) else { return nil }
        return Suppression(accountID: row["account_id"], channel: channel, recipient: row["recipient"], sender: row["sender"],
                           source: row["source"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
