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
    /// Stores the SHA-256 hash of a new API key.
    func addAPIKey(hash: String, prefix: String, accountID: String, role: APIKeyRole) async throws
    /// The account and role of the key with this SHA-256, if any.
    func authenticate(keyHash hash: String) async throws -> (account: Account, role: APIKeyRole)?
    /// Replaces the account's settings; nil when there is no such account.
    func updateSettings(accountID: String, settings: AccountSettings) async throws -> Account?
    /// Adds to the prepaid balance (a negative amount takes from it); a postpaid account becomes prepaid from zero.
    func addBalance(accountID: String, micros: Int64) async throws -> Account?
    /// Removes the balance: the account is postpaid (no limit, nothing reserved) from now on.
    func makePostpaid(accountID: String) async throws -> Account?
}
