import Foundation
import HeraldCore

/// Accounts, their settings and prepaid balance, and API keys (the HTTP layer's authentication, the CLI).
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol AccountStore: Sendable {
    /// The account with this name, created if missing.
    func ensureAccount(named name: String) async throws -> Account
    /// The account with this name, if it exists.
    func account(named name: String) async throws -> Account?
    /// The account with this id, if it exists.
    func account(id: String) async throws -> Account?
    /// Every account, oldest first.
    func accounts() async throws -> [Account]
    /// Closes the account: its keys stop working at once; its messages stay. Nil when there is no such account.
    func disableAccount(id: String, at time: Date) async throws -> Account?
    /// Stores a new API key by the SHA-256 hash of its secret.
    func addAPIKey(hash: String, key: APIKey) async throws
    /// The enabled account and the unrevoked key whose secret has this SHA-256, if any. Read from the database on every
    /// call: a revoked key stops working at once on every node.
    func authenticate(keyHash hash: String) async throws -> (account: Account, key: APIKey)?
    /// The keys of one account (nil: of every account), revoked ones too, oldest first.
    func apiKeys(accountID: String?) async throws -> [APIKey]
    /// Revokes the key (of this account, when one is given); the key as it is now, nil when there is no such key.
    /// Revoking a revoked key keeps its first revocation time.
    func revokeAPIKey(id: String, accountID: String?, at time: Date) async throws -> APIKey?
    /// How many keys were ever revoked and accounts closed (it only grows): a change means some process revoked or closed
    /// one, so what a node remembers of keys must be read again.
    func revocationCount() async throws -> Int
    /// Replaces the account's settings; nil when there is no such account.
    func updateSettings(accountID: String, settings: AccountSettings) async throws -> Account?
    /// Adds to the prepaid balance (a negative amount takes from it); a postpaid account becomes prepaid from zero.
    func addBalance(accountID: String, micros: Int64) async throws -> Account?
    /// Removes the balance: the account is postpaid (no limit, nothing reserved) from now on.
    func makePostpaid(accountID: String) async throws -> Account?
}
