/// The "relaxed" canonicalization of RFC 6376 section 3.4, for headers and bodies, on octets (a CRLF is two octets
/// here, never one Character).
public enum DKIMCanonicalization {
    static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), colon = UInt8(ascii: ":")

    /// One header field (name, colon, value, folded or not, without its final CRLF) as `name:value\r\n`: the name in
    /// lower case, the value unfolded, every run of spaces and tabs one space, none at either end.
    public static func relaxedHeader(_ field: [UInt8]) -> [UInt8] {
        guard let colonIndex = field.firstIndex(of: colon) else { return field + [cr, lf] }
        var name = Array(field[..<colonIndex])
        while let last = name.last, last == space || last == tab { name.removeLast() }
        var out = name.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        out.append(colon)
        var value: [UInt8] = []
        var pendingSpace = false
        for byte in field[(colonIndex + 1)...] {
            switch byte {
            case cr, lf:
                continue  // unfolding
            case space, tab:
                pendingSpace = true
            default:
                if pendingSpace, !value.isEmpty { value.append(space) }
                pendingSpace = false
                value.append(byte)
            }
        }
        return out + value + [cr, lf]
    }

    /// The body: in each line every run of spaces and tabs one space and none at the end; empty lines at the end gone;
    /// a non-empty body ends in CRLF (an empty one stays empty).
    public static func relaxedBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var lines: [[UInt8]] = []
        var line: [UInt8] = []
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            if byte == cr, index + 1 < body.endIndex, body[index + 1] == lf {
                lines.append(relaxedLine(line))
                line = []
                index += 2
                continue
            }
            line.append(byte)
            index += 1
        }
        if !line.isEmpty { lines.append(relaxedLine(line)) }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        var out: [UInt8] = []
        for line in lines { out += line + [cr, lf] }
        return out
    }

    static func relaxedLine(_ line: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in line {
            if byte == space || byte == tab {
                pendingSpace = true
            } else {
                if pendingSpace { out.append(space) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return out
    }

    /// Splits a message into its header fields (each with its continuation lines, without the final CRLF) and its body.
    public static func split(_ message: [UInt8]) -> (headers: [[UInt8]], body: ArraySlice<UInt8>) {
        var headers: [[UInt8]] = []
        var index = 0
        var current: [UInt8]?
        while index < message.count {
            // The end of the line.
            var end = index
            while end + 1 < message.count, !(message[end] == cr && message[end + 1] == lf) { end += 1 }
            guard end + 1 < message.count else {
                // No CRLF: the rest is a last header line without a body.
                let rest = Array(message[index...])
                if let first = rest.first, first == space || first == tab, current != nil { current! += [cr, lf] + rest } else {
                    if let current { headers.append(current) }
                    current = rest
                }
                index = message.count
                break
            }
            let line = Array(message[index..<end])
            index = end + 2
            if line.isEmpty {
                if let current { headers.append(current) }
                return (headers, message[index...])
            }
            if let first = line.first, first == space || first == tab, current != nil {
                current! += [cr, lf] + line
            } else {
                if let current { headers.append(current) }
                current = line
            }
        }
        if let current { headers.append(current) }
        return (headers, message[message.count...])
    }

    /// The lower-case name of a header field.
    static func name(of field: [UInt8]) -> String {
        let end = field.firstIndex(of: colon) ?? field.endIndex
        var name = Array(field[..<end])
        while let last = name.last, last == space || last == tab { name.removeLast() }
        return String(decoding: name, as: UTF8.self).lowercased()
    }
}
