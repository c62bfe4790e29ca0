import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Accounts: creation, settings and prepaid balances.
extension PostgresStore {
    static let accountColumns = "a.id, a.name, a.created_at, a.settings, a.balance_micros"

    private func firstAccount(_ rows: PostgresRowSequence) async throws -> Account? {
        for try await (id, name, created, settings, balance) in rows.decode((String, String, Date, String, Int64?).self) {
            return Account(id: id, name: name, createdAt: created, settings: AccountSettingsCoding.decode(settings), balanceMicros: balance)
        }
        return nil
    }

    public func ensureAccount(named name: String) async throws -> Account {
        let candidate = Account(id: HeraldID.make(.account), name: name, createdAt: Date())
        try await client.query("""
            INSERT INTO accounts (id, name, created_at) VALUES (\(candidate.id), \(name), \(candidate.createdAt)) ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        guard let account = try await account(named: name) else { throw StoreError.corruptRow("account \(name) vanished") }
        return account
    }

    public func account(named name: String) async throws -> Account? {
        try await firstAccount(client.query("SELECT \(unescaped: Self.accountColumns) FROM accounts a WHERE a.name = \(name)", logger: logger))
    }

    public func authenticate(keyHash hash: String) async throws -> (account: Account, role: APIKeyRole)? {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.accountColumns), k.role FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = \(hash)
            """, logger: logger)
        for try await (id, name, created, settings, balance, role) in rows.decode((String, String, Date, String, Int64?, String).self) {
            let account = Account(id: id, name: name, createdAt: created, settings: AccountSettingsCoding.decode(settings), balanceMicros: balance)
            return (account, APIKeyRole(rawValue: role) ?? .account)
        }
        return nil
    }

    public func account(id: String) async throws -> Account? {
        try await firstAccount(client.query("SELECT \(unescaped: Self.accountColumns) FROM accounts a WHERE a.id = \(id)", logger: logger))
    }

    public func updateSettings(accountID: String, settings: AccountSettings) async throws -> Account? {
        try await firstAccount(client.query("""
            UPDATE accounts a SET settings = \(AccountSettingsCoding.encode(settings)) WHERE a.id = \(accountID) RETURNING \(unescaped: Self.accountColumns)
            """, logger: logger))
    }

    public func addBalance(accountID: String, micros: Int64) async throws -> Account? {
        try await firstAccount(client.query("""
            UPDATE accounts a SET balance_micros = COALESCE(a.balance_micros, 0) + \(micros) WHERE a.id = \(accountID)
            RETURNING \(unescaped: Self.accountColumns)
            """, logger: logger))
    }

    public func makePostpaid(accountID: String) async throws -> Account? {
        try await firstAccount(client.query("""
            UPDATE accounts a SET balance_micros = NULL WHERE a.id = \(accountID) RETURNING \(unescaped: Self.accountColumns)
            """, logger: logger))
    }

    /// Reserves the cost of the messages of prepaid accounts. The account rows are locked (in id order) until the
    /// accept commits, so concurrent sends of one account, on any node, are serialised here and cannot overdraw.
    func reserve(_ messages: inout [NewMessage], connection: PostgresConnection) async throws {
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
