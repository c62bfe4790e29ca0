import ArgumentParser
import Foundation
import HeraldCore
import HeraldHTTP
import HeraldStore
import Logging

/// `herald keys create|list|revoke`: on the database (`--database`), or through a running server's `/v1/keys` (`--url`
/// with an admin key).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys.", discussion: "Exit codes: 0 done, 1 no such key, 64 bad option, 66 no such account, 69 database or server unavailable.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key for an account (created if missing on the database). The key is the last line of output.")

        @Option(help: "Account name.")
        var account: String
        @Option(help: "account (its own messages) or operator (every account, the connectors, the metrics).")
        var role: String = "account"
        @Option(help: "What the key may do, comma-separated: send, read, admin (default: all three).")
        var scopes: String = "send,read,admin"
        @Option(help: "A label to tell the key apart in lists (e.g. ci).")
        var name: String?
        @Option(help: "Requests a second the key may make (default: no limit).")
        var rateLimit: Int?
        @OptionGroup var database: TargetOptions

        var parsedScopes: Set<APIKeyScope> { Set(scopes.split(separator: ",").compactMap { APIKeyScope(rawValue: String($0).trimmingCharacters(in: .whitespaces)) }) }

        func validate() throws {
            guard APIKeyRole(rawValue: role) != nil else { throw ValidationError("--role '\(role)' is not a role; use account or operator") }
            for word in scopes.split(separator: ",") where APIKeyScope(rawValue: String(word).trimmingCharacters(in: .whitespaces)) == nil {
                throw ValidationError("--scopes: '\(word)' is not a scope; use send, read and admin, comma-separated")
            }
            guard !parsedScopes.isEmpty else { throw ValidationError("--scopes is empty; give at least one of send, read, admin") }
            if let rateLimit, !(1...1_000_000).contains(rateLimit) { throw ValidationError("--rate-limit \(rateLimit) is out of range; use 1 to 1000000 requests a second") }
        }

        func run() async throws {
            let role = APIKeyRole(rawValue: role) ?? .account
            let key: String
            if let server = database.server {
                var body: [String: Any] = ["account": account, "role": role.rawValue, "scopes": parsedScopes.sorted().map(\.rawValue)]
                if let name { body["name"] = name }
                if let rateLimit { body["rate_limit"] = rateLimit }
                key = try await server.send(.POST, "/v1/keys", json: body).object()["key"] as? String ?? ""
            } else {
                let (accountName, scopes, name, rateLimit) = (account, parsedScopes, name, rateLimit)
                key = try await database.withStore(label: "herald.keys") { store in
                    let account = try await store.ensureAccount(named: accountName)
                    return try await APIKeys.make(for: account, role: role, scopes: scopes, name: name, rateLimit: rateLimit, store: store).secret
                }
            }
            print("API key for account '\(account)' (shown once, store it now):")
            print(key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets): id, prefix, account, role, scopes, state.")

        @Option(help: "Only this account's keys.")
        var account: String?
        @OptionGroup var database: TargetOptions

        func run() async throws {
            let rows: [[String]]
            if let server = database.server {
                let reply = try await server.send(.GET, "/v1/keys", query: [("account", account)]).object()
                rows = (reply["data"] as? [[String: Any]] ?? []).map { key in
                    [key["id"], key["prefix"], key["account_id"], key["role"], (key["scopes"] as? [String])?.joined(separator: ","), key["name"],
                     (key["revoked_at"] as? String).map { "revoked \($0)" } ?? "active"].map { ($0 as? String) ?? "-" }
                }
            } else {
                let accountName = account
                rows = try await database.withStore(label: "herald.keys") { store in
                    var accountID: String?
                    if let accountName {
                        guard let account = try await store.account(named: accountName) else {
                            FileHandle.standardError.write(Data("no account named '\(accountName)'\n".utf8))
                            throw ExitCode(66)
                        }
                        accountID = account.id
                    }
                    return try await store.apiKeys(accountID: accountID).map { key in
                        [key.id, key.prefix, key.accountID, key.role.rawValue, APIKeyScope.text(key.scopes), key.name ?? "-",
                         key.revokedAt.map { "revoked \(Timestamp.format($0))" } ?? "active"]
                    }
                }
            }
            print(["ID", "PREFIX", "ACCOUNT", "ROLE", "SCOPES", "NAME", "STATE"].joined(separator: "\t"))
            for row in rows { print(row.joined(separator: "\t")) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key by its id: it stops working at once, on every node.")

        @Argument(help: "The key's id (key_..., from 'herald keys list').")
        var id: String
        @OptionGroup var database: TargetOptions

        func run() async throws {
            if let server = database.server {
                _ = try await server.send(.DELETE, "/v1/keys/\(id)")
            } else {
                let id = id
                let revoked = try await database.withStore(label: "herald.keys") { store in try await store.revokeAPIKey(id: id, accountID: nil, at: Date()) }
                guard revoked != nil else {
                    FileHandle.standardError.write(Data("error: no key '\(id)'. Fix: use an id from 'herald keys list'.\n".utf8))
                    throw ExitCode(1)
                }
            }
            print("revoked \(id)")
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        _ = try await StoreURL.with(database.database, logger: Logger(label: "herald.migrate")) { _ in true }
        print("schema up to date: \(database.database)")
    }
}
