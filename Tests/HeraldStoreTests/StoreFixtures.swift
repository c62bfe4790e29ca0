import Foundation
import HeraldCore
import HeraldPostgres
import HeraldSQLite
import HeraldStore
import Logging
import Testing

/// The backends every contract test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

enum StoreFixtures {
    /// `HERALD_TEST_POSTGRES_URL`, required when `CI` is set so a missing server fails instead of skipping.
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var backends: [Backend] {
        if postgresURL != nil || ProcessInfo.processInfo.environment["CI"] != nil { return Backend.allCases }
        FileHandle.standardError.write(Data("note: HERALD_TEST_POSTGRES_URL is not set; store contract tests run on SQLite only (scripts/test-postgres.sh start)\n".utf8))
        return [.sqlite]
    }

    struct MissingPostgres: Error, CustomStringConvertible {
        var description: String { "HERALD_TEST_POSTGRES_URL is not set (CI requires the PostgreSQL contract run): run scripts/test-postgres.sh start" }
    }

    /// Runs `body` against a fresh, migrated, running store of the backend (its own SQLite file or
    /// PostgreSQL schema), then shuts it down.
    static func withStore<T: Sendable>(_ backend: Backend, _ body: @Sendable @escaping (any HeraldStore, StoreReopener) async throws -> T) async throws -> T {
        let opener: StoreReopener
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-test-\(UUID().uuidString).sqlite").path
            opener = StoreReopener { try SQLiteStore(path: path) }
        case .postgres:
            guard let url = postgresURL else { throw MissingPostgres() }
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let separator = url.contains("?") ? "&" : "?"
            opener = StoreReopener { try PostgresStore(url: "\(url)\(separator)schema=\(schema)", logger: Logger(label: "test.postgres")) }
        }
        return try await opener.run(body: { store in try await body(store, opener) })
    }
}

/// Opens the same database again (a restart), running the store while the body runs.
struct StoreReopener: Sendable {
    let open: @Sendable () throws -> any HeraldStore

    init(_ open: @escaping @Sendable () throws -> any HeraldStore) {
        self.open = open
    }

    func run<T: Sendable>(body: @Sendable @escaping (any HeraldStore) async throws -> T) async throws -> T {
        try await open().withRunning(body)
    }
}

extension NewMessage {
    static func sms(account: String, to: String = "+14155550100", text: String = "hello", at date: Date = Date(), key: String? = nil, tag: String? = nil, validityMinutes: Int = 2880) -> NewMessage {
        var draft = try! MessageValidator().validate(SendRequest(channel: "sms", to: to, text: text, tag: tag, validityMinutes: validityMinutes)).get()
        draft.validityMinutes = validityMinutes
        return NewMessage(accountID: account, draft: draft, createdAt: date, priceMicros: 7_500, idempotencyKey: key)
    }
}
