/// RFC 3461's xtext (section 4): how a DSN parameter carries an address. Octets from "!" to "~" stand for themselves,
/// except "+" and "=", which, like every other octet, are written as "+" and two upper-case hex digits.
public enum XText {
    public static func encode(_ text: String) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte >= 0x21, byte <= 0x7E, byte != UInt8(ascii: "+"), byte != UInt8(ascii: "=") {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "+" + MIMEMessage.hex(byte)
            }
        }
        return encoded
    }
}
