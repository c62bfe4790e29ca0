/// A delivery status notification (RFC 3464): the `message/delivery-status` part of a `multipart/report`, read
/// leniently. A report that is not one (a non-standard bounce) yields what can be found: a status code such as
/// `5.1.1` in its text, read as a failure. Pure: never throws, never traps on hostile input.
public struct DeliveryStatusNotification: Sendable, Hashable {
    /// `Original-Envelope-Id`: the ENVID the sender gave with MAIL FROM.
    public var envelopeID: String?
    public var reportingMTA: String?
    public var recipients: [Recipient]
    /// Whether it was a standard RFC 3464 report (false: guessed from a non-standard bounce's text).
    public var isStandard: Bool

    public struct Recipient: Sendable, Hashable {
        /// `Final-Recipient` without its `rfc822;` type.
        public var finalRecipient: String?
        public var originalRecipient: String?
        /// `failed`, `delayed`, `delivered`, `relayed` or `expanded` (lower case).
        public var action: String
        /// `Status`: the enhanced status code.
        public var status: EnhancedStatusCode?
        /// `Diagnostic-Code` without its `smtp;` type: the remote server's reply.
        public var diagnostic: String?
        public var remoteMTA: String?
    }

    /// Parses a whole message (headers and body, CRLF or LF line ends). nil when it holds no delivery status at all.
    public static func parse(_ message: String) -> DeliveryStatusNotification? {
        parse(message, lines: Self.lines(message))
    }

    /// ``parse(_:)`` of a message already split into ``lines(_:)`` (the whole text is read again only for a report
    /// that is not RFC 3464).
    public static func parse(_ message: String, lines: [Substring]) -> DeliveryStatusNotification? {
        guard let status = statusPart(lines) else { return guess(message) }
        let groups = fieldGroups(status)
        guard let perMessage = groups.first else { return guess(message) }
        var report = DeliveryStatusNotification(envelopeID: perMessage["original-envelope-id"].map(trim),
                                                reportingMTA: perMessage["reporting-mta"].map(typed), recipients: [], isStandard: true)
        for fields in groups.dropFirst() {
            guard let action = fields["action"] else { continue }
            report.recipients.append(Recipient(
                finalRecipient: fields["final-recipient"].map(typed), originalRecipient: fields["original-recipient"].map(typed),
                action: trim(action).lowercased(), status: fields["status"].flatMap { EnhancedStatusCode(trim($0).split(separator: " ").first.map(String.init) ?? "") },
                diagnostic: fields["diagnostic-code"].map(typed), remoteMTA: fields["remote-mta"].map(typed)
            ))
        }
        return report.recipients.isEmpty ? guess(message) : report
    }

    /// The lines of the first `message/delivery-status` part (its body, after the part's own headers).
    static func statusPart(_ lines: [Substring]) -> [Substring]? {
        var index = 0
        while index < lines.count {
            if Self.isContentType(lines[index], "message/delivery-status") {
                // Skip the rest of this part's headers.
                var body = index + 1
                while body < lines.count, !lines[body].isEmpty { body += 1 }
                let start = min(body + 1, lines.count)
                var end = start
                while end < lines.count, !lines[end].hasPrefix("--") { end += 1 }
                return Array(lines[start..<end])
            }
            index += 1
        }
        return nil
    }

    /// Groups of `Name: value` fields separated by blank lines (folded lines joined), names lower-cased.
    public static func fieldGroups(_ lines: [Substring]) -> [[String: String]] {
        var groups: [[String: String]] = []
        var current: [String: String] = [:]
        var last: String?
        for line in lines.prefix(10_000) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !current.isEmpty { groups.append(current) }
                current = [:]
                last = nil
            } else if line.first == " " || line.first == "\t", let name = last {
                current[name, default: ""] += " " + trim(line)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                current[name] = String(line[line.index(after: colon)...])
                last = name
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// A bounce that is not RFC 3464: the first `5.x.y` or `4.x.y` status code in it says failed or delayed.
    static func guess(_ message: String) -> DeliveryStatusNotification? {
        for token in message.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\t" || $0 == "(" || $0 == ")" }).prefix(20_000) {
            guard let code = EnhancedStatusCode(String(token.trimmingTrailingPunctuation)), code.statusClass != 2 else { continue }
            return DeliveryStatusNotification(envelopeID: nil, reportingMTA: nil, recipients: [
                Recipient(finalRecipient: nil, originalRecipient: nil, action: code.statusClass == 5 ? "failed" : "delayed", status: code,
                          diagnostic: nil, remoteMTA: nil),
            ], isStandard: false)
        }
        return nil
    }

    public static func trim(_ value: some StringProtocol) -> String {
        // Spaces and tabs are ASCII, never part of a longer UTF-8 sequence: trimmed byte for byte.
        let bytes = value.utf8
        var first: String.UTF8View.Index?
        var end = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let next = bytes.index(after: index)
            if bytes[index] != 0x20, bytes[index] != 0x09 {
                if first == nil { first = index }
                end = next
            }
            index = next
        }
        guard let first else { return "" }
        return String(decoding: bytes[first..<end], as: UTF8.self)
    }

    /// The message's lines: split at each LF, a CR before it dropped (a CR elsewhere stays), the last line kept even
    /// when empty. Split byte for byte (CR and LF are ASCII), which is what splitting on the `Character`s `"\r\n"` and
    /// `"\n"` did at several times the cost.
    public static func lines(_ message: String) -> [Substring] {
        let bytes = message.utf8
        var lines: [Substring] = []
        var start = bytes.startIndex
        var index = start
        func line(to end: String.Index) -> Substring {
            if end > start, bytes[bytes.index(before: end)] == 0x0D { return message[start..<bytes.index(before: end)] }
            return message[start..<end]
        }
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                lines.append(line(to: index))
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        lines.append(line(to: bytes.endIndex))
        return lines
    }

    /// Whether `line` is a `Content-Type:` header (any case) naming `type` (lower case).
    static func isContentType(_ line: Substring, _ type: String) -> Bool {
        let prefix = "content-type:".utf8
        guard line.utf8.count >= prefix.count,
              zip(line.utf8, prefix).allSatisfy({ (0x41...0x5A ~= $0 ? $0 | 0x20 : $0) == $1 })
        else { return false }
        return line.lowercased().contains(type)
    }

    /// `rfc822; ann@example.com` -> `ann@example.com` (the value after a `type;` prefix).
    static func typed(_ value: String) -> String {
        guard let semicolon = value.firstIndex(of: ";") else { return trim(value) }
        return trim(value[value.index(after: semicolon)...])
    }
}

extension Substring {
    fileprivate var trimmingTrailingPunctuation: Substring {
        var value = self
        while let last = value.last, last == "." || last == "," || last == ";" || last == ":" { value = value.dropLast() }
        return value
    }
}
