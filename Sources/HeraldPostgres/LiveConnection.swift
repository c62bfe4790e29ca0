import HeraldStore
import Logging
import NIOCore
import PostgresNIO

/// A leased PostgreSQL connection that never sends a statement into a closed connection.
///
/// postgres-nio 1.33.2 writes a statement to its channel without a promise. Once the server has closed the connection
/// and NIO has taken the channel's handlers away, that write fails at the head of the pipeline and nobody is told: the
/// statement's promise is never completed and the call never returns, nor can it be cancelled. After PostgreSQL crashed
/// or restarted, every connection that was between two statements (or about to ROLLBACK) hung its caller that way: a
/// node's receipt ingestion and its dispatcher stopped until the process restarted (docs/RELIABILITY.md).
///
/// Here the check and the write happen in one turn of the connection's event loop: a closed connection is refused with
/// an error, and an open one cannot close between the check and the write (it closes on that same loop), so the
/// statement reaches the connection's handler, which fails it properly if the server goes away afterwards.
struct LiveConnection: Sendable {
    let base: PostgresConnection

    /// Runs the statement and reads its rows.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> Rows {
        let base = base
        let result = try await base.eventLoop.flatSubmit { () -> EventLoopFuture<PostgresQueryResult> in
            guard !base.isClosed else {
                return base.eventLoop.makeFailedFuture(StoreError.unavailable("the connection to PostgreSQL is closed"))
            }
            return base.query(query, logger: logger, file: file, line: line)
        }.get()
        return Rows(rows: result.rows)
    }
}
