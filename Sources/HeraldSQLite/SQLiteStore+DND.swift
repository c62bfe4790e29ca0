import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    public func addDND(accountID: String, recipients: [String], now: Date) async throws -> Int {
        try await writer.write { db in
            var added = 0
            let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO dnd (account_id, recipient, created_at) VALUES (?, ?, ?)")
            for recipient in recipients {
                try statement.execute(arguments: [accountID, recipient, now.timeIntervalSince1970])
                added += db.changesCount
            }
            return added
        }
    }

    public func removeDND(accountID: String, recipient: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM dnd WHERE account_id = ? AND recipient = ?", arguments: [accountID, recipient])
            return db.changesCount > 0
        }
    }

    public func dndList(accountID: String, limit: Int) async throws -> [DNDEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT recipient, created_at FROM dnd WHERE account_id = ? ORDER BY created_at DESC, recipient LIMIT ?",
                             arguments: [accountID, limit]).map { DNDEntry(recipient: $0[0], createdAt: Date(timeIntervalSince1970: $0[1])) }
        }
    }

    /// The listed numbers among `recipients` (inside the accept transaction).
    static func dndListed(accountID: String, recipients: [String], db: Database) throws -> Set<String> {
        guard !recipients.isEmpty,
              try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM dnd WHERE account_id = ?)"), arguments: [accountID]) == true
        else { return [] }
        var listed = Set<String>()
        for start in stride(from: 0, to: recipients.count, by: 500) {
            let chunk = Array(recipients[start..<min(start + 500, recipients.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            listed.formUnion(try String.fetchAll(db, sql: "SELECT recipient FROM dnd WHERE account_id = ? AND recipient IN (\(marks))",
                                                 arguments: StatementArguments([accountID] + chunk)))
        }
        return listed
    }
}
