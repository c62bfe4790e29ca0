import ArgumentParser
import Foundation
import HeraldStore
import Logging

/// Where a one-shot command works: the database of a Herald that is already set up (`--database`, env
/// `HERALD_DATABASE_URL`), or a running `herald serve` over its API (`--url` with `--key`, env `HERALD_URL` and
/// `HERALD_KEY`). Only `serve` and `migrate` create a database; every other command refuses one that does not exist
/// (a `herald send` from the wrong folder would otherwise queue a message nothing will ever send).
struct TargetOptions: ParsableArguments {
    @Option(name: .customLong("database"), help: "sqlite:PATH or postgres://user:password@host:port/database (env HERALD_DATABASE_URL; default sqlite:herald.sqlite).")
    var databaseOption: String?
    @Option(help: "Talk to a running 'herald serve' at this URL instead of opening the database, e.g. http://127.0.0.1:8080 (env HERALD_URL).")
    var url: String?
    @Option(help: "API key for --url (env HERALD_KEY).")
    var key: String?

    /// The database URL: the option, else the environment, else `sqlite:herald.sqlite`.
    var database: String { databaseOption ?? Environment.string("HERALD_DATABASE_URL") ?? "sqlite:herald.sqlite" }

    func validate() throws {
        if url != nil, databaseOption != nil { throw ValidationError("give either --database or --url, not both") }
        if server == nil, (url ?? Environment.string("HERALD_URL")) != nil, databaseOption == nil {
            throw ValidationError("--url needs an API key: give --key or set HERALD_KEY")
        }
        if let url = url ?? Environment.string("HERALD_URL"), databaseOption == nil, RemoteAPI.base(url) == nil {
            throw ValidationError("--url '\(url)' is not an http:// or https:// URL; write e.g. http://127.0.0.1:8080")
        }
    }

    /// The running server to talk to, when `--url` (or `HERALD_URL`, unless `--database` is given) names one.
    var server: RemoteAPI? {
        guard databaseOption == nil, let url = url ?? Environment.string("HERALD_URL"), let base = RemoteAPI.base(url),
              let key = key ?? Environment.string("HERALD_KEY") else { return nil }
        return RemoteAPI(base: base, key: key)
    }

    /// Runs `body` with the migrated store of a database that already exists; without one, says how to get one and exits 69.
    func withStore<T: Sendable>(label: String, _ body: @Sendable @escaping (any HeraldStore) async throws -> T) async throws -> T {
        try refuseMissingDatabase()
        do {
            return try await StoreURL.with(database, logger: Logger(label: label), requireSchema: true, body)
        } catch let error as StoreError where error == .notSetUp {
            let text = "error: \(StoreURL.redacted(database)) is not a Herald database (no schema).\n"
                + "Fix: give the --database 'herald serve' uses, talk to the server with --url and --key, or create the schema with 'herald migrate'.\n"
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(69)
        }
    }

    /// Opens the database, finds the account by name and runs `body` with both; without such an account, says so and
    /// exits 66 (the commands' shared "no such account" code).
    func withAccount<T: Sendable>(_ name: String, label: String, _ body: @Sendable @escaping (any HeraldStore, Account) async throws -> T) async throws -> T {
        try await withStore(label: label) { store in
            guard let account = try await store.account(named: name) else {
                FileHandle.standardError.write(Data("no account named '\(name)'; create one with: herald keys create --account \(name)\n".utf8))
                throw ExitCode(66)
            }
            return try await body(store, account)
        }
    }

    /// A SQLite file that is not there is never created here (PostgreSQL databases are created by their operator).
    func refuseMissingDatabase() throws {
        guard let path = StoreURL.sqlitePath(database), !FileManager.default.fileExists(atPath: path) else { return }
        FileHandle.standardError.write(Data("""
            error: no Herald database at \(path) (from \(FileManager.default.currentDirectoryPath)).
            Fix: run this where 'herald serve' runs, give --database sqlite:/path/to/herald.sqlite, talk to the server with --url and --key, or create one with 'herald migrate'.

            """.utf8))
        throw ExitCode(69)
    }
}
