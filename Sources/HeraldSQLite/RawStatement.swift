import GRDB
import GRDBSQLite

/// A prepared GRDB statement bound and run through SQLite's C API, for the writes that happen once per message on
/// SQLite's single writer (the accept's three inserts, every event insert).
///
/// GRDB's `execute(arguments:)` boxes each value in an existential, checks the count against the statement and
/// converts every value again at binding: measured on the campaign ingest, that bookkeeping cost more than SQLite's
/// own work for the same rows. Here each value is bound where it is produced, with no intermediate array.
///
/// Use it like the `Statement` it wraps: on the writer's queue, inside the transaction, bound in the order of the
/// statement's `?` placeholders, every placeholder before each ``run()``. Runs do not fire GRDB's transaction
/// observers (Herald registers none).
struct RawStatement {
    private let statement: Statement
    private let connection: OpaquePointer?
    private var index: CInt = 0

    init(_ statement: Statement, db: Database) {
        self.statement = statement
        connection = db.sqliteConnection
    }

    private var handle: OpaquePointer { statement.sqliteStatement }

    mutating func bind(_ value: String?) {
        index += 1
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        let handle = self.handle, index = self.index
        value.withUTF8 { bytes in
            if let address = bytes.baseAddress {
                _ = address.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite3_bind_text(handle, index, $0, CInt(bytes.count), Self.transient)
                }
            } else {
                // An empty buffer may have no address, which SQLite would take for NULL.
                _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
            }
        }
    }

    mutating func bind(_ value: Int?) {
        index += 1
        if let value { sqlite3_bind_int64(handle, index, Int64(value)) } else { sqlite3_bind_null(handle, index) }
    }

    mutating func bind(_ value: Int64?) {
        index += 1
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    mutating func bind(_ value: Double?) {
        index += 1
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    mutating func bind(_ value: Bool) {
        index += 1
        sqlite3_bind_int64(handle, index, value ? 1 : 0)
    }

    /// Runs the statement with the values bound since the last run and returns how many rows it changed.
    @discardableResult
    mutating func run() throws -> Int {
        precondition(index == sqlite3_bind_parameter_count(handle), "RawStatement: \(index) values bound for \(statement.sql)")
        index = 0
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) }, sql: statement.sql)
        }
        return Int(sqlite3_changes(connection))
    }

    /// Runs the statement with the values bound since the last run and decodes every row it returns (a SELECT, or a
    /// write with RETURNING) straight from SQLite's column accessors. A row `decode` cannot read ends the run with its error.
    mutating func rows<T>(_ decode: (RawRow) throws -> T) throws -> [T] {
        precondition(index == sqlite3_bind_parameter_count(handle), "RawStatement: \(index) values bound for \(statement.sql)")
        index = 0
        defer { sqlite3_reset(handle) }
        var decoded: [T] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return decoded }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) }, sql: statement.sql)
            }
            decoded.append(try decode(RawRow(handle: handle)))
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the bytes before the bind call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}

/// The current row of a ``RawStatement`` while ``RawStatement/rows(_:)`` decodes it; columns by 0-based position.
struct RawRow {
    fileprivate let handle: OpaquePointer

    func isNull(_ column: CInt) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func string(_ column: CInt) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ column: CInt) -> String? { isNull(column) ? nil : string(column) }
    func int(_ column: CInt) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func optionalInt(_ column: CInt) -> Int? { isNull(column) ? nil : int(column) }
    func int64(_ column: CInt) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: CInt) -> Double { sqlite3_column_double(handle, column) }
    func optionalDouble(_ column: CInt) -> Double? { isNull(column) ? nil : double(column) }
}
