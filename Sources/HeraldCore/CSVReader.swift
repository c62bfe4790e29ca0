/// An incremental RFC 4180 reader: feed it bytes as they arrive, take the complete records out.
///
/// It never holds more than the record being read, so a million-row upload is read in constant memory.
/// Quoted fields may contain commas, doubled quotes and line breaks; lines end with LF or CRLF; a UTF-8 byte
/// order mark at the start is skipped. A record's `line` is the line it starts on (1-based), for error messages.
public struct CSVReader: Sendable {
    /// One record and the line it starts on.
    public struct Record: Sendable, Hashable {
        public var line: Int
        public var fields: [String]
    }

    private var field: [UInt8] = []
    private var fields: [String] = []
    private var inQuotes = false
    /// The last byte was the closing quote of a quoted field (a second quote means a literal quote).
    private var quoteSeen = false
    private var fieldStarted = false
    private var line = 1
    private var recordLine = 1
    private var atStart = true
    private var bomBytes = 0
    /// A CR ended the last record: an LF right after it belongs to that line break.
    private var afterCR = false

    public init() {}

    /// Reads `bytes` and appends every record they complete to `records`.
    public mutating func read(_ bytes: some Sequence<UInt8>, into records: inout [Record]) {
        for byte in bytes {
            if atStart {
                // Skip a UTF-8 byte order mark (EF BB BF).
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if bomBytes < 3, byte == bom[bomBytes] { bomBytes += 1; if bomBytes == 3 { atStart = false }; continue }
                atStart = false
                if bomBytes > 0 { field.append(contentsOf: bom[0..<bomBytes]); fieldStarted = true }
            }
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            if inQuotes {
                if quoteSeen {
                    quoteSeen = false
                    if byte == UInt8(ascii: "\"") { field.append(byte); continue }
                    inQuotes = false
                    // Fall through: the byte after a closing quote is read as outside quotes.
                } else if byte == UInt8(ascii: "\"") {
                    quoteSeen = true
                    continue
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                    continue
                }
            }
            switch byte {
            case UInt8(ascii: "\"") where !fieldStarted:
                inQuotes = true
                fieldStarted = true
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                afterCR = byte == UInt8(ascii: "\r")
                endRecord(into: &records)
                line += 1
                recordLine = line
            default:
                field.append(byte)
                fieldStarted = true
            }
        }
    }

    /// Ends the input: the last record when it had no line break after it.
    public mutating func finish(into records: inout [Record]) {
        if quoteSeen { quoteSeen = false; inQuotes = false }
        if fieldStarted || !fields.isEmpty || inQuotes {
            inQuotes = false
            endRecord(into: &records)
        }
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        fieldStarted = false
    }

    private mutating func endRecord(into records: inout [Record]) {
        // A blank line is no record.
        if fields.isEmpty, !fieldStarted { recordLine = line + 1; return }
        endField()
        records.append(Record(line: recordLine, fields: fields))
        fields.removeAll(keepingCapacity: true)
    }
}
