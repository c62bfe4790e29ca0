import NIOCore

/// A small streaming JSON writer for the hot responses (messages, pages, batch results).
///
/// Foundation's `JSONEncoder` was the largest single cost of a status lookup in the profile; writing the few
/// shapes the API returns directly into a `ByteBuffer` is several times cheaper and keeps key order stable.
public struct JSONWriter {
    public private(set) var buffer: ByteBuffer
    private var needsComma = false

    public init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Writes on after what `buffer` holds (NDJSON: one writer for a page of lines).
    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Ends an NDJSON line: the next value starts a new document.
    public mutating func newline() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        needsComma = false
    }

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separator()
        buffer.writeInteger(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        buffer.writeInteger(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func array<S: Sequence>(_ elements: S, _ body: (inout JSONWriter, S.Element) -> Void) {
        separator()
        buffer.writeInteger(UInt8(ascii: "["))
        needsComma = false
        for element in elements { body(&self, element) }
        buffer.writeInteger(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":` and leaves the value to the next call.
    public mutating func key(_ key: StaticString) {
        separator()
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(key)
        buffer.writeStaticString("\":")
        needsComma = false
    }

    /// Writes `"key":` for a key only known at run time (escaped), and leaves the value to the next call.
    public mutating func dynamicKey(_ key: String) {
        string(key)
        buffer.writeInteger(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { number(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        separator()
        buffer.writeStaticString(value ? "true" : "false")
        needsComma = true
    }

    /// Omits the field when the value is nil.
    public mutating func optionalField(_ name: StaticString, _ value: String?) {
        if let value { field(name, value) }
    }

    public mutating func optionalField(_ name: StaticString, _ value: Int?) {
        if let value { field(name, value) }
    }

    public mutating func null() {
        separator()
        buffer.writeStaticString("null")
        needsComma = true
    }

    public mutating func number(_ value: Int) {
        separator()
        buffer.writeString(String(value))
        needsComma = true
    }

    public mutating func string(_ value: String) {
        separator()
        buffer.writeInteger(UInt8(ascii: "\""))
        // Most values need no escaping: one scan of the contiguous bytes, then one copy.
        if value.utf8.withContiguousStorageIfAvailable({ !$0.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 } }) == true {
            buffer.writeString(value)
            buffer.writeInteger(UInt8(ascii: "\""))
            needsComma = true
            return
        }
        var start = value.utf8.startIndex
        let utf8 = value.utf8
        var index = start
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                buffer.writeSubstring(Substring(value.utf8[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0x0F)])
                }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        buffer.writeSubstring(Substring(value.utf8[start..<utf8.endIndex]))
        buffer.writeInteger(UInt8(ascii: "\""))
        needsComma = true
    }

    private mutating func separator() {
        if needsComma {
            buffer.writeInteger(UInt8(ascii: ","))
            needsComma = false
        }
    }
}

/// A value the API writes with ``JSONWriter``.
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}
