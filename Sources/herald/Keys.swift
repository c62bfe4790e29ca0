import ArgumentParser
import HeraldHTTP
import HeraldStore
import Logging

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key for an account (created if missing). The key is the last line of output.")

        @Option(help: "Account name.")
        var account: String
        @Option(help: "account (its own messages) or operator (also what concerns every account: unmatched receipts).")
        var role: String = "account"
        @OptionGroup var database: TargetOptions

        func validate() throws {
            guard APIKeyRole(rawValue: role) != nil else { throw ValidationError("--role '\(role)' is not a role; use account or operator") }
        }

        func run() async throws {
            if database.server != nil {
                throw RemoteAPI.unsupported("creating a key", fix: "run 'herald keys create' on the server's database with --database")
            }
            let accountName = account
            let role = APIKeyRole(rawValue: role) ?? .account
            let key = try await database.withStore(label: "herald.keys") { store in
                let account = try await store.ensureAccount(named: accountName)
                return try await APIKeys.create(for: account, role: role, store: store)
            }
            print("API key for account '\(accountName)' (shown once, store it now):")
            print(key)
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
