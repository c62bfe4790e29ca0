import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Accounts: creation, settings and prepaid balances.
extension PostgresStore {
    static let accountColumns = "a.id, a.name, a.created_at, a.settings, a.balance_micros, a.disabled_at"
    static let keyColumns = "k.id, k.prefix, k.account_id, k.role, k.scopes, k.name, k.rate_limit, k.created_at, k.revoked_at"

    /// An account read with ``accountColumns`` (further columns after them are left alone).
    static func account(_ row: PostgresRow) throws -> Account {
        let c = row.makeRandomAccess()
        return Account(id: try c[0].decode(String.self), name: try c[1].decode(String.self), createdAt: try c[2].decode(Date.self),
                       settings: AccountSettingsCoding.decode(try c[3].decode(String.self)), balanceMicros: try c[4].decode(Int64?.self),
                       disabledAt: try c[5].decode(Date?.self))
    }

    /// A key read with ``keyColumns`` starting at column `first`.
    static func key(_ row: PostgresRow, from first: Int = 0) throws -> APIKey {
        let c = row.makeRandomAccess()
        return APIKey(id: try c[first].decode(String.self), prefix: try c[first + 1].decode(String.self), accountID: try c[first + 2].decode(String.self),
                      role: APIKeyRole(rawValue: try c[first + 3].decode(String.self)) ?? .account,
                      scopes: APIKeyScope.parse(try c[first + 4].decode(String.self)), name: try c[first + 5].decode(String?.self),
                      rateLimit: try c[first + 6].decode(Int?.self), createdAt: try c[first + 7].decode(Date.self),
                      revokedAt: try c[first + 8].decode(Date?.self))
    }

    private func firstAccount(_ rows: Rows) async throws -> Account? {
        for try await row in rows { return try Self.account(row) }
        return nil
    }

    public func ensureAccount(named name: String) async throws -> Account {
        let candidate = Account(id: HeraldID.make(.account), name: name, createdAt: Date())
        try await self.query("""
            INSERT INTO accounts (id, name, created_at) VALUES (\(candidate.id), \(name), \(candidate.createdAt)) ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        guard let account = try await account(named: name) else { throw StoreError.corruptRow("account \(name) vanished") }
        return account
    }

    public func account(named name: String) async throws -> Account? {
        try await firstAccount(self.query("SELECT \(unescaped: Self.accountColumns) FROM accounts a WHERE a.name = \(name)", logger: logger))
    }

    public func authenticate(keyHash hash: String) async throws -> (account: Account, key: APIKey)? {
        let rows = try await self.query("""
            SELECT \(unescaped: Self.accountColumns), \(unescaped: Self.keyColumns) FROM api_keys k JOIN accounts a ON a.id = k.account_id
            WHERE k.hash = \(hash) AND k.revoked_at IS NULL AND a.disabled_at IS NULL
            """, logger: logger)
        for try await row in rows { return (try Self.account(row), try Self.key(row, from: 6)) }
        return nil
    }

    public func revocationCount() async throws -> Int {
        let rows = try await self.query("""
            SELECT (SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL) + (SELECT COUNT(*) FROM accounts WHERE disabled_at IS NOT NULL)
            """, logger: logger)
        for try await (count) in rows.decode(Int.self) { return count }
        return 0
    }

    public func accounts() async throws -> [Account] {
        var accounts: [Account] = []
        for try await row in try await self.query("SELECT \(unescaped: Self.accountColumns) FROM accounts a ORDER BY a.created_at, a.id", logger: logger) {
            accounts.append(try Self.account(row))
        }
        return accounts
    }

    public func disableAccount(id: String, at time: Date) async throws -> Account? {
        try await self.query("UPDATE accounts SET disabled_at = \(time) WHERE id = \(id) AND disabled_at IS NULL", logger: logger)
        return try await account(id: id)
    }

    public func apiKeys(accountID: String?) async throws -> [APIKey] {
        var keys: [APIKey] = []
        let rows = try await self.query("""
            SELECT \(unescaped: Self.keyColumns) FROM api_keys k WHERE \(accountID)::text IS NULL OR k.account_id = \(accountID) ORDER BY k.created_at, k.id
            """, logger: logger)
        for try await row in rows { keys.append(try Self.key(row)) }
        return keys
    }

    public func revokeAPIKey(id: String, accountID: String?, at time: Date) async throws -> APIKey? {
        try await self.query("""
            UPDATE api_keys SET revoked_at = \(time) WHERE id = \(id) AND (\(accountID)::text IS NULL OR account_id = \(accountID)) AND revoked_at IS NULL
            """, logger: logger)
        let rows = try await self.query("""
            SELECT \(unescaped: Self.keyColumns) FROM api_keys k WHERE k.id = \(id) AND (\(accountID)::text IS NULL OR k.account_id = \(accountID))
            """, logger: logger)
        for try await row in rows { return try Self.key(row) }
        return nil
    }

    public func account(id: String) async throws -> Account? {
        try await firstAccount(self.query("SELECT \(unescaped: Self.accountColumns) FROM accounts a WHERE a.id = \(id)", logger: logger))
    }

    public func updateSettings(accountID: String, settings: AccountSettings) async throws -> Account? {
        try await firstAccount(self.query("""
            UPDATE accounts a SET settings = \(AccountSettingsCoding.encode(settings)) WHERE a.id = \(accountID) RETURNING \(unescaped: Self.accountColumns)
            """, logger: logger))
    }

    public func addBalance(accountID: String, micros: Int64) async throws -> Account? {
        try await firstAccount(self.query("""
            UPDATE accounts a SET balance_micros = COALESCE(a.balance_micros, 0) + \(micros) WHERE a.id = \(accountID)
            RETURNING \(unescaped: Self.accountColumns)
            """, logger: logger))
    }

    public func makePostpaid(accountID: String) async throws -> Account? {
        try await firstAccount(self.query("""
            UPDATE accounts a SET balance_micros = NULL WHERE a.id = \(accountID) RETURNING \(unescaped: Self.accountColumns)
            """, logger: logger))
    }

    /// Reserves the cost of the messages of prepaid accounts. The account rows are locked (in id order) until the
    /// accept commits, so concurrent sends of one account, on any node, are serialised here and cannot overdraw.
    func reserve(_ messages: inout [NewMessage], connection: LiveConnection) async throws {
        let byAccount = Dictionary(grouping: messages.indices.filter { messages[$0].draft.rejection == nil }) { messages[$0].accountID }
        guard !byAccount.isEmpty else { return }
        let rows = try await connection.query("""
            SELECT id, balance_micros FROM accounts WHERE id = ANY(\(byAccount.keys.sorted())) AND balance_micros IS NOT NULL ORDER BY id FOR UPDATE
            """, logger: logger)
        var balances: [(String, Int64)] = []
        for try await (id, balance) in rows.decode((String, Int64).self) { balances.append((id, balance)) }
        for (accountID, balance) in balances {
            let left = Billing.reserve(&messages, indices: byAccount[accountID] ?? [], balance: balance)
            if left != balance {
                try await connection.query("UPDATE accounts SET balance_micros = \(left) WHERE id = \(accountID)", logger: logger)
            }
        }
    }
}

/// Delivery analytics: counters added to in the ledger's transaction (one statement a batch), read by the hour.
extension PostgresStore {
    /// `rows`: one per key (the transaction's outbox sums them), written in key order.
    func addStats(_ rows: [DeliveryStats.Row], connection: LiveConnection) async throws {
        let merged = rows.sorted { ($0.key.accountID, $0.key.hour, $0.key.connector, $0.key.prefix, $0.key.status, $0.key.reason)
            < ($1.key.accountID, $1.key.hour, $1.key.connector, $1.key.prefix, $1.key.status, $1.key.reason) }
        guard !merged.isEmpty else { return }
        // Buckets travel as one text array per row ("1,0,0,..."), split back in SQL: postgres-nio binds no 2-D arrays.
        let buckets = merged.map { $0.buckets.map(String.init).joined(separator: ",") }
        let columns = DeliveryStatsColumns.names.enumerated().map { "split_part(u.buckets, ',', \($0.offset + 1))::int8" }.joined(separator: ", ")
        try await connection.query("""
            INSERT INTO delivery_stats (account_id, hour, connector, country, prefix, status, reason, count, \(unescaped: DeliveryStatsColumns.list))
            SELECT u.account_id, u.hour, u.connector, u.country, u.prefix, u.status, u.reason, u.count, \(unescaped: columns)
            FROM unnest(\(merged.map(\.key.accountID))::text[], \(merged.map(\.key.hour))::int8[], \(merged.map(\.key.connector))::text[],
                        \(merged.map(\.key.country))::text[], \(merged.map(\.key.prefix))::text[], \(merged.map(\.key.status))::text[],
                        \(merged.map(\.key.reason))::text[], \(merged.map { Int64($0.count) })::int8[], \(buckets)::text[])
                AS u(account_id, hour, connector, country, prefix, status, reason, count, buckets)
            ON CONFLICT (account_id, hour, connector, country, prefix, status, reason) DO UPDATE SET \(unescaped: DeliveryStatsColumns.additions)
            """, logger: logger)
    }

    public func deliveryStats(accountID: String?, since: Date, until: Date) async throws -> [DeliveryStats.Row] {
        let from = Int64((since.timeIntervalSince1970 / 3_600).rounded(.down)), to = Int64((until.timeIntervalSince1970 / 3_600).rounded(.up))
        let rows = try await self.query("""
            SELECT account_id, hour, connector, country, prefix, status, reason, count, \(unescaped: DeliveryStatsColumns.list) FROM delivery_stats
            WHERE hour >= \(from) AND hour < \(to) AND (\(accountID)::text IS NULL OR account_id = \(accountID))
            """, logger: logger)
        var found: [DeliveryStats.Row] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            found.append(DeliveryStats.Row(
                key: DeliveryStats.Key(accountID: try c[0].decode(String.self), hour: try c[1].decode(Int64.self), connector: try c[2].decode(String.self),
                                       country: try c[3].decode(String.self), prefix: try c[4].decode(String.self), status: try c[5].decode(String.self),
                                       reason: try c[6].decode(String.self)),
                count: Int(try c[7].decode(Int64.self)), buckets: try (0..<DeliveryStats.bucketCount).map { Int(try c[8 + $0].decode(Int64.self)) }))
        }
        return found
    }
}
