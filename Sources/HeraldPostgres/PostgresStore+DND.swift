import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    public func addDND(accountID: String, recipients: [String], now: Date) async throws -> Int {
        guard !recipients.isEmpty else { return 0 }
        let rows = try await self.query("""
            INSERT INTO dnd (account_id, recipient, created_at) SELECT \(accountID), r, \(now) FROM unnest(\(recipients)::text[]) AS r
            ON CONFLICT DO NOTHING RETURNING recipient
            """, logger: logger)
        var added = 0
        for try await _ in rows { added += 1 }
        return added
    }

    public func removeDND(accountID: String, recipient: String) async throws -> Bool {
        let rows = try await self.query("DELETE FROM dnd WHERE account_id = \(accountID) AND recipient = \(recipient) RETURNING recipient", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func dndList(accountID: String, limit: Int) async throws -> [DNDEntry] {
        let rows = try await self.query("""
            SELECT recipient, created_at FROM dnd WHERE account_id = \(accountID) ORDER BY created_at DESC, recipient LIMIT \(limit)
            """, logger: logger)
        var entries: [DNDEntry] = []
        for try await (recipient, created) in rows.decode((String, Date).self) { entries.append(DNDEntry(recipient: recipient, createdAt: created)) }
        return entries
    }

    /// The listed numbers among `recipients` (inside the accept transaction).
    func dndListed(accountID: String, recipients: [String], on connection: LiveConnection) async throws -> Set<String> {
        guard !recipients.isEmpty else { return [] }
        let rows = try await connection.query("SELECT recipient FROM dnd WHERE account_id = \(accountID) AND recipient = ANY(\(recipients))", logger: logger)
        var listed = Set<String>()
        for try await recipient in rows.decode(String.self) { listed.insert(recipient) }
        return listed
    }
}
