import HeraldStore
import Logging
import PostgresNIO

/// Transactions that end when the server goes away under them.
///
/// postgres-nio's own `withTransaction` sends ROLLBACK after any error with its unchecked write (see
/// ``LiveConnection``), also when the error is that the server closed the connection: every transaction in flight at a
/// crash hung there. Here BEGIN, COMMIT and ROLLBACK go through ``LiveConnection`` like every statement, so a ROLLBACK
/// on a lost connection fails at once (the server rolls back a dead connection's transaction itself); the error is
/// rethrown, readable (``readable(_:)``).
extension PostgresStore {
    /// One transaction on a pooled connection.
    func transaction<T>(isolation: isolated (any Actor)? = #isolation,
                        _ body: (LiveConnection) async throws -> sending T) async throws -> sending T {
        let logger = logger
        do {
            return try await client.withConnection(isolation: isolation) { connection in
                try await Self.transaction(on: LiveConnection(base: connection), logger: logger, isolation: isolation, body)
            }
        } catch {
            throw Self.readable(error)
        }
    }

    /// A pooled connection for more than one statement outside a transaction.
    func withConnection<T>(isolation: isolated (any Actor)? = #isolation,
                           _ body: (LiveConnection) async throws -> sending T) async throws -> sending T {
        do {
            return try await client.withConnection(isolation: isolation) { connection in
                try await body(LiveConnection(base: connection))
            }
        } catch {
            throw Self.readable(error)
        }
    }

    /// One transaction on a connection the caller holds.
    static func transaction<T>(on connection: LiveConnection, logger: Logger, isolation: isolated (any Actor)? = #isolation,
                               _ body: (LiveConnection) async throws -> sending T) async throws -> sending T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            do {
                try await connection.query("ROLLBACK", logger: logger)
            } catch {
                logger.debug("ROLLBACK failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            throw error
        }
    }

    /// postgres-nio's errors describe themselves as a generic text (so a log never shows a bound value by accident);
    /// the reflection keeps the server's message and the statement with its values masked: what an operator needs to
    /// see why a statement (a migration, say) failed.
    /// A lost or refused connection is ``StoreError/unavailable(_:)`` (the API answers 503 with Retry-After).
    static func readable(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        return isConnectionLoss(error) ? StoreError.unavailable(String(reflecting: error)) : StoreError.database(String(reflecting: error))
    }

    /// Whether the error says the connection is gone or cannot be made: lost, refused, shut down, or a FATAL error or
    /// a shutdown or connection-class state from the server.
    static func isConnectionLoss(_ error: PSQLError) -> Bool {
        if [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed].contains(error.code) { return true }
        if let severity = error.serverInfo?[.severity], severity == "FATAL" || severity == "PANIC" { return true }
        if let state = error.serverInfo?[.sqlState], state.hasPrefix("57P") || state.hasPrefix("08") { return true }
        return false
    }

}

extension PostgresStore {
    /// One statement on a pooled connection, its rows read before the connection goes back.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> Rows {
        try await withConnection { connection in try await connection.query(query, logger: logger, file: file, line: line) }
    }
}
