import PostgresNIO

/// The rows of one statement, read to the end while its connection was leased.
///
/// postgres-nio's `PostgresClient.query` writes to a pooled connection without a check that it is still open (see
/// ``LiveConnection``), so every statement goes through a leased ``LiveConnection`` and its rows are read before the
/// lease ends. postgres-nio's `decode` works on any sequence of rows, so callers read these as they read its own.
struct Rows: AsyncSequence, Sendable {
    typealias Element = PostgresRow
    let rows: [PostgresRow]

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[PostgresRow]>
        mutating func next() async throws -> PostgresRow? { base.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: rows.makeIterator()) }
}
