/// An abuse feedback report (ARF, RFC 5965): the `message/feedback-report` part of a `multipart/report` a mailbox
/// provider sends when a recipient marks a message as spam, with the headers of the message it is about. Read
/// leniently; pure: never throws, never traps on hostile input.
public struct FeedbackReport: Sendable, Hashable {
    /// `Feedback-Type`: `abuse`, `fraud`, `virus`, `other`, `not-spam` (lower case).
    public var feedbackType: String
    public var userAgent: String?
    /// `Original-Mail-From`: the envelope sender of the reported message (Herald's VERP address).
    public var originalMailFrom: String?
    /// `Original-Rcpt-To`: the recipient who complained.
    public var originalRecipient: String?
    public var arrivalDate: String?
    /// The header fields of the reported message (the report's third part), names lower-cased.
    public var originalHeaders: [String: String]

    /// Whether the recipient says it is unwanted (everything but `not-spam`).
    public var isComplaint: Bool { feedbackType != "not-spam" }

    /// Parses a whole message; nil when it holds no `message/feedback-report` part.
    public static func parse(_ message: String) -> FeedbackReport? {
        parse(lines: DeliveryStatusNotification.lines(message))
    }

    /// ``parse(_:)`` of a message already split (``DeliveryStatusNotification/lines(_:)``).
    public static func parse(lines: [Substring]) -> FeedbackReport? {
        guard let reportIndex = partIndex(lines, contentType: "message/feedback-report") else { return nil }
        let fields = DeliveryStatusNotification.fieldGroups(body(lines, afterPartHeaderAt: reportIndex)).first ?? [:]
        guard let type = fields["feedback-type"] else { return nil }
        var original: [String: String] = [:]
        if let originalIndex = partIndex(lines, contentType: "message/rfc822", from: reportIndex + 1)
            ?? partIndex(lines, contentType: "text/rfc822-headers", from: reportIndex + 1) {
            original = DeliveryStatusNotification.fieldGroups(body(lines, afterPartHeaderAt: originalIndex)).first ?? [:]
        }
        func value(_ name: String) -> String? { fields[name].map { DeliveryStatusNotification.trim($0) } }
        return FeedbackReport(feedbackType: DeliveryStatusNotification.trim(type).lowercased(), userAgent: value("user-agent"),
                              originalMailFrom: value("original-mail-from").map(unbracketed), originalRecipient: value("original-rcpt-to").map(unbracketed),
                              arrivalDate: value("arrival-date"), originalHeaders: original.mapValues { DeliveryStatusNotification.trim($0) })
    }

    /// The line index of the `Content-Type:` header of the first part of that type.
    static func partIndex(_ lines: [Substring], contentType: String, from start: Int = 0) -> Int? {
        var index = start
        while index < lines.count {
            if DeliveryStatusNotification.isContentType(lines[index], contentType) { return index }
            index += 1
        }
        return nil
    }

    /// The part's body: from after its header block to its boundary (a line starting `--`), at most 2,000 lines.
    static func body(_ lines: [Substring], afterPartHeaderAt index: Int) -> [Substring] {
        var start = index + 1
        while start < lines.count, !lines[start].isEmpty { start += 1 }
        start = min(start + 1, lines.count)
        var end = start
        while end < lines.count, end - start < 2_000, !lines[end].hasPrefix("--") { end += 1 }
        return Array(lines[start..<end])
    }

    /// `<a@b>` -> `a@b`.
    public static func unbracketed(_ value: String) -> String {
        var value = Substring(value)
        if value.first == "<" { value = value.dropFirst() }
        if value.last == ">" { value = value.dropLast() }
        return String(value)
    }
}
