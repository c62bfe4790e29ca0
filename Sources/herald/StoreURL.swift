import ArgumentParser
import Foundation
import HeraldPostgres
import HeraldSQLite
import HeraldStore
import Logging

/// Opens the store a database URL names: `sqlite:PATH` (the default) or `postgres://...`.
enum StoreURL {
    /// The file a `sqlite:` URL names (nil for other URLs).
    static func sqlitePath(_ url: String) -> String? {
        guard url.hasPrefix("sqlite:") else { return nil }
        var path = String(url.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path.removeFirst(2) }
        return path
    }

    static func open(_ url: String, logger: Logger) throws -> any HeraldStore {
        if let path = sqlitePath(url) {
            guard !path.isEmpty else { throw StoreError.unsupportedURL(url) }
            return try SQLiteStore(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try PostgresStore(url: url, logger: logger)
        }
        throw StoreError.unsupportedURL(url)
    }

    /// Runs `body` with a migrated store whose connections are up, for one-shot commands.
    static func with<T: Sendable>(_ url: String, logger: Logger, requireSchema: Bool = false,
                                  _ body: @Sendable @escaping (any HeraldStore) async throws -> T) async throws -> T {
        try await open(url, logger: logger).withRunning(requireSchema: requireSchema, body)
    }
}


extension StoreURL {
    /// The URL as it may be printed: without a password.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
