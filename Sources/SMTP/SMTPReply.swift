/// One SMTP reply (RFC 5321 section 4.2): a three-digit code and one or more lines of text, with the enhanced status
/// code (RFC 3463, `5.1.1`) when the server gives one.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    /// The text of each line, without the code and separator.
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(code: Int, _ text: String) {
        self.init(code: code, lines: [text])
    }

    /// 2xx: done; 3xx: go on (354 after DATA).
    public var isPositive: Bool { (200..<400).contains(code) }
    /// 4xx: try again later.
    public var isTransient: Bool { (400..<500).contains(code) }
    /// 5xx: refused for good.
    public var isPermanent: Bool { (500..<600).contains(code) }

    /// The enhanced status code at the start of the first line (`5.1.1`), if there is one.
    public var enhancedCode: EnhancedStatusCode? {
        guard let first = lines.first?.split(separator: " ", maxSplits: 1).first else { return nil }
        return EnhancedStatusCode(String(first))
    }

    /// The reply as the server wrote it, lines joined by a space (for logs and the provider detail).
    public var description: String {
        "\(code) " + lines.joined(separator: " ")
    }

    /// The reply on the wire: `CODE-text` for every line but the last, `CODE text` for the last, each ending CRLF.
    public var wire: String {
        var out = ""
        for (index, line) in lines.enumerated() {
            out += "\(code)\(index == lines.count - 1 ? " " : "-")\(line)\r\n"
        }
        return out
    }
}

/// `class.subject.detail` (RFC 3463): class 2 success, 4 persistent transient failure, 5 permanent failure.
public struct EnhancedStatusCode: Sendable, Hashable, CustomStringConvertible {
    public var statusClass: Int
    public var subject: Int
    public var detail: Int

    public init(statusClass: Int, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses `5.1.1`; nil for anything else.
    public init?(_ text: String) {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 3, let statusClass = Int(pieces[0]), [2, 4, 5].contains(statusClass),
              pieces[1].count <= 3, pieces[2].count <= 3, let subject = Int(pieces[1]), let detail = Int(pieces[2]),
              pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        self.init(statusClass: statusClass, subject: subject, detail: detail)
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}

/// Gathers reply lines (`250-...` continues, `250 ...` ends) into replies. Pure: fed one line at a time.
public struct SMTPReplyParser: Sendable {
    private var code: Int?
    private var lines: [String] = []
    /// A server that never ends its reply is cut off after this many lines.
    public static let maximumLines = 128

    public init() {}

    /// Takes one line (without CRLF). Returns the reply when the line ended one.
    public mutating func feed(_ line: String) throws(SMTPError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (0x30...0x39).contains($0) }),
              bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else { throw SMTPError.malformedReply(line) }
        let lineCode = Int(bytes[0] - 0x30) * 100 + Int(bytes[1] - 0x30) * 10 + Int(bytes[2] - 0x30)
        guard (200..<600).contains(lineCode) else { throw SMTPError.malformedReply(line) }
        if let code, code != lineCode { throw SMTPError.malformedReply(line) }
        code = lineCode
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard lines.count <= Self.maximumLines else { throw SMTPError.malformedReply("a reply of more than \(Self.maximumLines) lines") }
        if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
            defer { code = nil; lines = [] }
            return SMTPReply(code: lineCode, lines: lines)
        }
        return nil
    }
}
