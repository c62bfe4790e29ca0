/// The DATA section of a message on the wire (RFC 5321 section 4.5.2): every line ends in CRLF, a line that starts
/// with a dot gets a second one, and a line holding a single dot ends it.
public enum SMTPData {
    public static func stuffed(_ message: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count + 64)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message.utf8 {
            if byte == UInt8(ascii: "\n") {
                if previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }
                out.append(byte)
                atLineStart = true
            } else {
                if previous == UInt8(ascii: "\r") { out.append(UInt8(ascii: "\n")); atLineStart = true }  // a bare CR ends a line too
                if atLineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
                if byte != UInt8(ascii: "\r") { atLineStart = false }
                out.append(byte)
            }
            previous = byte
        }
        if previous == UInt8(ascii: "\r") { out.append(UInt8(ascii: "\n")) }
        if !(out.count >= 2 && out[out.count - 2] == UInt8(ascii: "\r") && out[out.count - 1] == UInt8(ascii: "\n")) {
            out += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        }
        out += Array(".\r\n".utf8)
        return out
    }
}
