import Foundation
import GRDB
import HeraldCore
import HeraldStore

/// Accounts: creation, settings and prepaid balances.
extension SQLiteStore {
    static let accountColumns = "a.id, a.name, a.created_at, a.settings, a.balance_micros, a.disabled_at"
    static let keyColumns = "k.id, k.prefix, k.account_id, k.role, k.scopes, k.name, k.rate_limit, k.created_at, k.revoked_at"

    static func account(_ row: Row) -> Account {
        Account(id: row[0], name: row[1], createdAt: Date(timeIntervalSince1970: row[2]),
                settings: AccountSettingsCoding.decode(row[3]), balanceMicros: row[4],
                disabledAt: (row[5] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// A key read with ``keyColumns`` starting at column `first`.
    static func key(_ row: Row, from first: Int = 0) -> APIKey {
        APIKey(id: row[first], prefix: row[first + 1], accountID: row[first + 2], role: APIKeyRole(rawValue: row[first + 3]) ?? .account,
               scopes: APIKeyScope.parse(row[first + 4]), name: row[first + 5], rateLimit: row[first + 6],
               createdAt: Date(timeIntervalSince1970: row[first + 7]), revokedAt: (row[first + 8] as Double?).map(Date.init(timeIntervalSince1970:)))
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

    public func authenticate(keyHash hash: String) async throws -> (account: Account, key: APIKey)? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT \(Self.accountColumns), \(Self.keyColumns) FROM api_keys k JOIN accounts a ON a.id = k.account_id
                WHERE k.hash = ? AND k.revoked_at IS NULL AND a.disabled_at IS NULL
                """), arguments: [hash]).map { row in (Self.account(row), Self.key(row, from: 6)) }
        }
    }

    public func revocationCount() async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db.cachedStatement(sql: """
                SELECT (SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL) + (SELECT COUNT(*) FROM accounts WHERE disabled_at IS NOT NULL)
                """)) ?? 0
        }
    }

    public func accounts() async throws -> [Account] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.accountColumns) FROM accounts a ORDER BY a.created_at, a.id").map(Self.account)
        }
    }

    public func disableAccount(id: String, at time: Date) async throws -> Account? {
        try await writer.write { db in
            try db.execute(sql: "UPDATE accounts SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL", arguments: [time.timeIntervalSince1970, id])
            return try Self.account(id: id, db: db)
        }
    }

    public func apiKeys(accountID: String?) async throws -> [APIKey] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.keyColumns) FROM api_keys k WHERE ? IS NULL OR k.account_id = ? ORDER BY k.created_at, k.id",
                             arguments: [accountID, accountID]).map { Self.key($0) }
        }
    }

    public func revokeAPIKey(id: String, accountID: String?, at time: Date) async throws -> APIKey? {
        try await writer.write { db in
            let filter = "k.id = ? AND (? IS NULL OR k.account_id = ?)"
            try db.execute(sql: "UPDATE api_keys AS k SET revoked_at = ? WHERE \(filter) AND k.revoked_at IS NULL",
                           arguments: [time.timeIntervalSince1970, id, accountID, accountID])
            return try Row.fetchOne(db, sql: "SELECT \(Self.keyColumns) FROM api_keys k WHERE \(filter)", arguments: [id, accountID, accountID])
                .map { Self.key($0) }
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

/// Delivery analytics: counters added to in the ledger's transaction, read by the hour.
extension SQLiteStore {
    static let statsUpsert = """
        INSERT INTO delivery_stats (account_id, hour, connector, country, prefix, status, reason, count, \(DeliveryStatsColumns.list))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, \(DeliveryStatsColumns.names.map { _ in "?" }.joined(separator: ", ")))
        ON CONFLICT (account_id, hour, connector, country, prefix, status, reason) DO UPDATE SET \(DeliveryStatsColumns.additions)
        """

    static func addStats(_ row: DeliveryStats.Row, db: Database) throws {
        let key = row.key
        var arguments: [(any DatabaseValueConvertible)?] = [key.accountID, key.hour, key.connector, key.country, key.prefix, key.status, key.reason, row.count]
        arguments += row.buckets.map { $0 }
        try db.cachedStatement(sql: statsUpsert).execute(arguments: StatementArguments(arguments))
    }

    public func deliveryStats(accountID: String?, since: Date, until: Date) async throws -> [DeliveryStats.Row] {
        let from = Int64((since.timeIntervalSince1970 / 3_600).rounded(.down)), to = Int64((until.timeIntervalSince1970 / 3_600).rounded(.up))
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT account_id, hour, connector, country, prefix, status, reason, count, \(DeliveryStatsColumns.list) FROM delivery_stats
                WHERE hour >= ? AND hour < ? AND (? IS NULL OR account_id = ?)
                """, arguments: [from, to, accountID, accountID]).map { row in
                DeliveryStats.Row(key: DeliveryStats.Key(accountID: row[0], hour: row[1], connector: row[2], country: row[3], prefix: row[4], status: row[5],
                                                         reason: row[6]),
                                  count: row[7], buckets: (0..<DeliveryStats.bucketCount).map { row[8 + $0] })
            }
        }
    }
}
