import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    public func addSuppression(_ suppression: Suppression) async throws {
        try await withConnection { connection in try await self.insertSuppressions([suppression], connection: connection) }
    }

    public func suppressRecipient(ofMessage messageID: String, source: String, at: Date) async throws -> Bool {
        try await withConnection { connection in
            let rows = try await connection.query("SELECT account_id, channel, recipient FROM messages WHERE id = \(messageID)", logger: self.logger)
            var found: Suppression?
            for try await (accountID, channel, recipient) in rows.decode((String, String, String).self) {
                guard let channel = Channel(rawValue: channel) else { continue }
                found = Suppression(accountID: accountID, channel: channel, recipient: recipient, source: source, createdAt: at)
            }
            guard let found else { return false }
            try await self.insertSuppressions([found], connection: connection)
            return true
        }
    }

    /// Adds suppressions in one statement (one already there is kept): the API's, an inbound STOP's, a write's bounces.
    func insertSuppressions(_ suppressions: [Suppression], connection: LiveConnection) async throws {
        guard !suppressions.isEmpty else { return }
        try await connection.query("""
            INSERT INTO suppressions (account_id, channel, recipient, sender, source, created_at)
            SELECT * FROM unnest(\(suppressions.map(\.accountID))::text[], \(suppressions.map(\.channel.rawValue))::text[],
                \(suppressions.map(\.recipient))::text[], \(suppressions.map(\.sender))::text[], \(suppressions.map(\.source))::text[],
                \(suppressions.map(\.createdAt))::timestamptz[])
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    public func removeSuppressions(accountID: String, channel: HeraldCore.Channel, recipient: String, sender: String?) async throws -> Int {
        let rows = try await self.query("""
            DELETE FROM suppressions WHERE account_id = \(accountID) AND channel = \(channel.rawValue) AND recipient = \(recipient)
                AND (\(sender)::text IS NULL OR sender = \(sender) OR sender = '')
            RETURNING sender
            """, logger: logger)
        var count = 0
        for try await _ in rows.decode(String.self) { count += 1 }
        return count
    }

    public func suppressions(accountID: String, recipient: String?, limit: Int) async throws -> [Suppression] {
        try await decodeSuppressions(self.query("""
            SELECT account_id, channel, recipient, sender, source, created_at FROM suppressions
            WHERE account_id = \(accountID) AND (\(recipient)::text IS NULL OR recipient = \(recipient))
            ORDER BY created_at DESC LIMIT \(limit)
            """, logger: logger))
    }

    public func suppressions(accountID: String, channel: HeraldCore.Channel, recipients: [String]) async throws -> [Suppression] {
        try await withConnection { connection in
            try await self.suppressions(accountID: accountID, channel: channel, recipients: recipients, on: connection)
        }
    }

    func suppressions(accountID: String, channel: HeraldCore.Channel, recipients: [String], on connection: LiveConnection) async throws -> [Suppression] {
        guard !recipients.isEmpty else { return [] }
        // Most accounts have no opt-outs on a channel: one probe instead of a lookup per recipient.
        var any = false
        for try await exists in try await connection.query(
            "SELECT EXISTS(SELECT 1 FROM suppressions WHERE account_id = \(accountID) AND channel = \(channel.rawValue))", logger: logger
        ).decode(Bool.self) { any = exists }
        guard any else { return [] }
        return try await decodeSuppressions(connection.query("""
            SELECT account_id, channel, recipient, sender, source, created_at FROM suppressions
            WHERE account_id = \(accountID) AND channel = \(channel.rawValue) AND recipient = ANY(\(recipients))
            """, logger: logger))
    }

    private func decodeSuppressions(_ rows: Rows) async throws -> [Suppression] {
        var found: [Suppression] = []
        for try await (account, channel, recipient, sender, source, created) in rows.decode((String, String, String, String, String, Date).self) {
            guard let channel = HeraldCore.Channel(rawValue: channel) else { continue }
            found.append(Suppression(accountID: account, channel: channel, recipient: recipient, sender: sender, source: source, createdAt: created))
        }
        return found
    }
}
