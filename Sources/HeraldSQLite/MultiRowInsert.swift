import GRDB

/// An `INSERT ... VALUES (...), (...), ...` that writes many rows per statement.
///
/// Each run of an INSERT opens a cursor on the table and on every one of its indexes (messages have ten) and, for
/// `events`, rewrites its AUTOINCREMENT counter: one statement per ``rowsPerStatement`` rows pays for that once
/// instead of once per row. Rows keep their order (event sequence numbers follow it).
struct MultiRowInsert: Sendable {
    /// `INSERT [OR IGNORE] INTO table (columns) VALUES`.
    let head: String
    /// Values bound per row.
    let columns: Int
    let rowsPerStatement: Int
    /// One row's values: `columns` placeholders, possibly among constants.
    private let row: String
    private let fullSQL: String

    /// `row`: one row's values when some are constants (default: `columns` placeholders).
    init(_ head: String, columns: Int, rowsPerStatement: Int = 64, row: String? = nil) {
        self.head = head
        self.columns = columns
        self.rowsPerStatement = rowsPerStatement
        self.row = row ?? "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        fullSQL = Self.sql(head: head, row: self.row, rows: rowsPerStatement)
    }

    private static func sql(head: String, row: String, rows: Int) -> String {
        head + " " + Array(repeating: row, count: rows).joined(separator: ",")
    }

    /// Inserts `rows`; `bind` binds the ``columns`` values of one row in column order. Returns the rowid each row got
    /// (one statement inserts its rows in order, so they are consecutive up to the statement's last one); meaningful
    /// only where no row is ignored as a conflict.
    @discardableResult
    func run<Rows: Collection>(_ rows: Rows, db: Database, bind: (inout RawStatement, Rows.Element) -> Void) throws -> [Int64] {
        var rowIDs: [Int64] = []
        rowIDs.reserveCapacity(rows.count)
        var start = rows.startIndex
        while start != rows.endIndex {
            let end = rows.index(start, offsetBy: rowsPerStatement, limitedBy: rows.endIndex) ?? rows.endIndex
            let count = rows.distance(from: start, to: end)
            let sql = count == rowsPerStatement ? fullSQL : Self.sql(head: head, row: self.row, rows: count)
            var statement = try RawStatement(db.cachedStatement(sql: sql), db: db)
            for row in rows[start..<end] { bind(&statement, row) }
            try statement.run()
            let last = db.lastInsertedRowID
            rowIDs += (0..<Int64(count)).map { last - Int64(count) + 1 + $0 }
            start = end
        }
        return rowIDs
    }
}
