/// Text from the network made safe for a log line: control characters (C0, DEL, C1, line and paragraph separators)
/// become `\u{XX}` escapes, so a system_id or sender address cannot forge log lines or drive a terminal, and the
/// text is cut at `limit` characters.
public enum LogText {
    public static func escaped(_ text: some StringProtocol, limit: Int = 256) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                out += "…"
                break
            }
            count += 1
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029 || value == 0x5C {
                out += value == 0x5C ? "\\\\" : "\\u{" + String(value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
