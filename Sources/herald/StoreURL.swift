import ArgumentParser
import Foundation
import HeraldPostgres
import HeraldSQLite
import HeraldStore
import Logging

/// Opens the store a database URL names: `sqlite:PATH` (the default) or `postgres://...`.
enum StoreURL {
    static func open(_ url: String, logger: Logger) throws -> any HeraldStore {
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw StoreError.unsupportedURL(url) }
            return try SQLiteStore(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try PostgresStore(url: url, logger: logger)
        }
        throw StoreError.unsupportedURL(url)
    }

    /// Runs `body` with a migrated store whose connections are up, for one-shot commands.
    static func with<T: Sendable>(_ url: String, logger: Logger, _ body: @Sendable @escaping (any HeraldStore) async throws -> T) async throws -> T {
        try await open(url, logger: logger).withRunning(body)
    }
}

extension DatabaseOptions {
    /// Opens the database, finds the account by name and runs `body` with both; without such an account, says so and
    /// exits 66 (the commands' shared "no such account" code).
    func withAccount<T: Sendable>(_ name: String, label: String, _ body: @Sendable @escaping (any HeraldStore, Account) async throws -> T) async throws -> T {
        try await StoreURL.with(database, logger: Logger(label: label)) { store in
            guard let account = try await store.account(named: name) else {
                FileHandle.standardError.write(Data("no account named '\(name)'; create one with: herald keys create --account \(name)\n".utf8))
                throw ExitCode(66)
            }
            return try await body(store, account)
        }
    }
}
