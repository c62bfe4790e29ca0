import HeraldStore
import Logging
import PostgresNIO

/// A leased PostgreSQL connection that refuses to send a statement once the connection is closed.
///
/// postgres-nio 1.33.2 drops a statement written to a connection the server has closed once the channel's handlers are
/// gone: the write fails without telling anyone and the query's promise is never completed, so the call never returns
/// (no error, nothing on the server). After PostgreSQL crashed or restarted, every connection that was between two
/// statements of a transaction (or about to ROLLBACK) hung its caller that way: a node's receipt ingestion and its
/// dispatcher stopped until the process restarted (docs/RELIABILITY.md). Checking right before the write leaves only the
/// microseconds between the check and postgres-nio's own write, instead of every await between two statements.
struct LiveConnection: Sendable {
    let base: PostgresConnection

    var isClosed: Bool { base.isClosed }

    /// Runs the statement and reads its rows.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> Rows {
        guard !base.isClosed else { throw StoreError.unavailable("the connection to PostgreSQL is closed") }
        return Rows(rows: try await base.query(query, logger: logger, file: file, line: line).collect())
    }
}
