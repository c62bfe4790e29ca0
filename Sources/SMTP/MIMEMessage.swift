#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Internet message (RFC 5322) with a MIME body (RFC 2045-2047): text, HTML or both as multipart/alternative, in
/// a multipart/mixed with its attachments (base64 in 76-character lines, RFC 2231 names when not ASCII).
/// Header values that are not ASCII become RFC 2047 encoded words; bodies are quoted-printable when they are not
/// short ASCII lines, so no line passes 998 octets. Header values must not hold CR or LF (the caller refuses those:
/// they would let a value inject headers); any that slip through are replaced by spaces.
public struct MIMEMessage: Sendable {
    public var from: String
    public var to: String
    public var subject: String
    public var text: String?
    public var html: String?
    public var messageID: String
    /// RFC 5322 date, e.g. `Thu, 03 Dec 2026 10:00:00 +0000`.
    public var date: String
    /// Further headers in order (`Reply-To`, `List-Unsubscribe`, ...).
    public var headers: [(name: String, value: String)]
    public var attachments: [Attachment] = []

    /// A file sent with the message.
    public struct Attachment: Sendable, Hashable {
        public var filename: String
        public var contentType: String
        /// The content in base64 (RFC 4648, one line: it is wrapped at 76 characters here).
        public var base64: String
        public init(filename: String, contentType: String, base64: String) {
            self.filename = filename
            self.contentType = contentType
            self.base64 = base64
        }
    }

    public init(from: String, to: String, subject: String, text: String?, html: String? = nil, messageID: String, date: String,
                headers: [(name: String, value: String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
        self.headers = headers
    }

    /// The message, lines ending in CRLF. `boundary` separates the alternatives (unique per message).
    public func rendered(boundary: String) -> String {
        var out = ""
        func header(_ name: String, _ value: String) {
            let encoded = Self.addressHeaders.contains(name.lowercased()) ? Self.encodedAddress(value) : Self.encodedHeaderValue(value)
            out += name + ": " + encoded + "\r\n"
        }
        header("From", from)
        header("To", to)
        header("Subject", subject)
        header("Date", date)
        out += "Message-ID: <\(Self.clean(messageID))>\r\n"
        for (name, value) in headers { header(Self.clean(name), value) }
        out += "MIME-Version: 1.0\r\n"
        guard !attachments.isEmpty else { return out + body(boundary: boundary) }
        let mixed = "mixed-" + boundary
        out += "Content-Type: multipart/mixed; boundary=\"\(mixed)\"\r\n\r\n"
        out += "--\(mixed)\r\n" + body(boundary: boundary)
        for attachment in attachments {
            out += "--\(mixed)\r\n" + Self.attachmentPart(attachment)
        }
        return out + "--\(mixed)--\r\n"
    }

    /// The text, the HTML, or both as multipart/alternative: content headers, a blank line, the body.
    func body(boundary: String) -> String {
        switch (text, html) {
        case (let text?, let html?):
            return "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
                + "--\(boundary)\r\n" + Self.part(text, type: "text/plain")
                + "--\(boundary)\r\n" + Self.part(html, type: "text/html")
                + "--\(boundary)--\r\n"
        case (nil, let html?):
            return Self.part(html, type: "text/html")
        default:
            return Self.part(text ?? "", type: "text/plain")
        }
    }

    static func attachmentPart(_ attachment: Attachment) -> String {
        let name = clean(attachment.filename).replacingOccurrences("\"", "'")
        let parameter: String
        if name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            parameter = "filename=\"\(name)\""
        } else {
            // RFC 2231: charset'language'percent-encoded octets.
            var encoded = ""
            for byte in name.utf8 {
                let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                encoded += unreserved ? String(UnicodeScalar(byte)) : "%" + hex(byte)
            }
            parameter = "filename*=UTF-8''\(encoded)"
        }
        var out = "Content-Type: \(clean(attachment.contentType))\r\nContent-Disposition: attachment; \(parameter)\r\n"
        out += "Content-Transfer-Encoding: base64\r\n\r\n"
        let bytes = Array(attachment.base64.utf8)
        var index = 0
        while index < bytes.count {
            out += String(decoding: bytes[index..<min(index + 76, bytes.count)], as: UTF8.self) + "\r\n"
            index += 76
        }
        return out
    }

    /// Content headers, a blank line and the body.
    static func part(_ body: String, type: String) -> String {
        let plain = body.utf8.allSatisfy { $0 < 0x80 } && !body.split(separator: "\n", omittingEmptySubsequences: false).contains { $0.utf8.count > 76 }
        if plain {
            return "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + crlf(body) + "\r\n"
        }
        return "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + quotedPrintable(body) + "\r\n"
    }

    /// Headers whose value is `Display Name <address>` or an address.
    static let addressHeaders: Set<String> = ["from", "to", "reply-to", "cc", "sender"]

    /// `Display Name <address>`: a non-ASCII display name as encoded words (RFC 2047 does not allow them around an
    /// address), the address as it is (UTF-8 only where SMTPUTF8 carries it, RFC 6532).
    static func encodedAddress(_ value: String) -> String {
        let value = clean(value)
        guard let open = value.lastIndex(of: "<"), value.hasSuffix(">") else { return value }
        let name = String(value[..<open].drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        let address = value[open...]
        guard !name.isEmpty else { return String(address) }
        return encodedHeaderValue(String(name)) + " " + address
    }

    /// Every line break (CRLF, a bare CR or a bare LF) as CRLF.
    static func crlf(_ text: String) -> String {
        replacingLineBreaks(in: text, with: [0x0D, 0x0A])
    }

    /// RFC 2045 section 6.7: printable ASCII as is (except `=`), the rest as `=XX`, line breaks kept as CRLF, soft
    /// breaks (`=` at the end) keep every line at most 76 characters, trailing spaces encoded.
    public static func quotedPrintable(_ text: String) -> String {
        var out = ""
        let lines = crlf(text).components("\r\n")
        for (index, line) in lines.enumerated() {
            var current = ""
            let bytes = Array(line.utf8)
            for (position, byte) in bytes.enumerated() {
                let isLast = position == bytes.count - 1
                let encoded: String
                if (byte == 0x20 || byte == 0x09) && !isLast {
                    encoded = String(UnicodeScalar(byte))
                } else if byte >= 33, byte <= 126, byte != UInt8(ascii: "=") {
                    encoded = String(UnicodeScalar(byte))
                } else {
                    encoded = "=" + hex(byte)
                }
                if current.utf8.count + encoded.utf8.count > 75 {
                    out += current + "=\r\n"
                    current = ""
                }
                current += encoded
            }
            out += current
            if index < lines.count - 1 { out += "\r\n" }
        }
        return out
    }

    /// The value as is when it is ASCII, else RFC 2047 encoded words (`=?UTF-8?B?...?=`), each at most 75 characters
    /// and never splitting a character.
    public static func encodedHeaderValue(_ value: String) -> String {
        let value = clean(value)
        guard !value.utf8.allSatisfy({ $0 < 0x80 }) else { return value }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value {
            let bytes = Array(String(character).utf8)
            // 45 octets of UTF-8 make 60 base64 characters: with `=?UTF-8?B?` and `?=`, 72 in all.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + base64(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + base64(chunk) + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// An RFC 5322 date-time in UTC (`Fri, 04 Dec 2026 10:00:00 +0000`), by arithmetic on the civil calendar: cheap
    /// enough for every message (a DateFormatter costs more to build than the rest of the message).
    public static func date(secondsSince1970 seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        // Days to year, month, day (proleptic Gregorian; H. Hinnant's civil_from_days).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(weekday)]), \(two(day)) \(months[Int(month - 1)]) \(year) \(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60)) +0000"
    }

    /// CR and LF become spaces: a header value is one line.
    /// One line: each line break (CRLF, a bare CR or a bare LF) becomes one space.
    static func clean(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return value }
        return replacingLineBreaks(in: value, with: [0x20])
    }

    /// `text` with each line break (CRLF, a bare CR or a bare LF) replaced by `replacement`. Byte for byte: CR and LF
    /// are ASCII, never inside a longer UTF-8 sequence.
    private static func replacingLineBreaks(in text: String, with replacement: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 32)
        var previousCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0D:
                out += replacement
                previousCR = true
            case 0x0A:
                if !previousCR { out += replacement }
                previousCR = false
            default:
                out.append(byte)
                previousCR = false
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    static func hex(_ byte: UInt8) -> String {
        String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]], as: UTF8.self)
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    fileprivate func components(_ separator: String) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}
