import Foundation
import GRDB
import HeraldCore
import HeraldStore

/// Accounts: creation, settings and prepaid balances.
extension SQLiteStore {
    static let accountColumns = "a.id, a.name, a.created_at, a.settings, a.balance_micros"

    static func account(_ row: Row) -> Account {
        Account(id: row[0], name: row[1], createdAt: Date(timeIntervalSince1970: row[2]),
                settings: AccountSettingsCoding.decode(row[3]), balanceMicros: row[4])
    }

    static func account(id: String, db: Database) throws -> Account? {
        try Row.fetchOne(db, sql: "SELECT \(accountColumns) FROM accounts a WHERE a.id = ?", arguments: [id]).map(account)
    }

    public func ensureAccount(named name: String) async throws -> Account {
        try await writer.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM accounts a WHERE a.name = ?", arguments: [name]) {
                return Self.account(row)
            }
            let account = Account(id: HeraldID.make(.account), name: name, createdAt: Date())
            try db.execute(sql: "INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)",
                           arguments: [account.id, account.name, account.createdAt.timeIntervalSince1970])
            return account
        }
    }

    public func account(named name: String) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM accounts a WHERE a.name = ?", arguments: [name]).map(Self.account)
        }
    }

    public func authenticate(keyHash hash: String) async throws -> (account: Account, role: APIKeyRole)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns), k.role FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = ?",
                             arguments: [hash]).map { row in
                (try Self.account(row), APIKeyRole(rawValue: row[row.count - 1] as String) ?? .account)
            }
        }
    }

    public func account(id: String) async throws -> Account? {
        try await pool.read { db in try Self.account(id: id, db: db) }
    }

    public func updateSettings(accountID: String, settings: AccountSettings) async throws -> Account? {
        try await writer.write { db in
            try db.execute(sql: "UPDATE accounts SET settings = ? WHERE id = ?", arguments: [AccountSettingsCoding.encode(settings), accountID])
            return try Self.account(id: accountID, db: db)
        }
    }

    public func addBalance(accountID: String, micros: Int64) async throws -> Account? {
        try await writer.write { db in
            try db.execute(sql: "UPDATE accounts SET balance_micros = COALESCE(balance_micros, 0) + ? WHERE id = ?", arguments: [micros, accountID])
            return try Self.account(id: accountID, db: db)
        }
    }

    public func makePostpaid(accountID: String) async throws -> Account? {
        try await writer.write { db in
            try db.execute(sql: "UPDATE accounts SET balance_micros = NULL WHERE id = ?", arguments: [accountID])
            return try Self.account(id: accountID, db: db)
        }
    }

    /// Reserves the cost of the messages of prepaid accounts (one read and one write per account in the write).
    static func reserve(_ messages: inout [NewMessage], db: Database) throws {
        let byAccount = Dictionary(grouping: messages.indices.filter { messages[$0].draft.rejection == nil }) { messages[$0].accountID }
        for (accountID, indices) in byAccount {
            guard let balance = try Int64.fetchOne(db.cachedStatement(sql: "SELECT balance_micros FROM accounts WHERE id = ?"), arguments: [accountID])
            else { continue }
            let left = Billing.reserve(&messages, indices: indices, balance: balance)
            if left != balance {
                try db.cachedStatement(sql: "UPDATE accounts SET balance_micros = ? WHERE id = ?").execute(arguments: [left, accountID])
            }
        }
    }
}
