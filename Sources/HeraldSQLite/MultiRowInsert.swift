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
    private let fullSQL: String

    init(_ head: String, columns: Int, rowsPerStatement: Int = 64) {
        self.head = head
        self.columns = columns
        self.rowsPerStatement = rowsPerStatement
        fullSQL = Self.sql(head: head, columns: columns, rows: rowsPerStatement)
    }

    private static func sql(head: String, columns: Int, rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return head + " " + Array(repeating: row, count: rows).joined(separator: ",")
    }

    /// Inserts `rows`; `bind` binds the ``columns`` values of one row in column order.
    func run<Rows: Collection>(_ rows: Rows, db: Database, bind: (inout RawStatement, Rows.Element) -> Void) throws {
        var start = rows.startIndex
        while start != rows.endIndex {
            let end = rows.index(start, offsetBy: rowsPerStatement, limitedBy: rows.endIndex) ?? rows.endIndex
            let count = rows.distance(from: start, to: end)
            let sql = count == rowsPerStatement ? fullSQL : Self.sql(head: head, columns: columns, rows: count)
            var statement = try RawStatement(db.cachedStatement(sql: sql), db: db)
            for row in rows[start..<end] { bind(&statement, row) }
            try statement.run()
            start = end
        }
    }
}
