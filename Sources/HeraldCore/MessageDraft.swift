import struct Foundation.Date
import SMSText

/// A send request as the API or CLI received it, before validation.
public struct SendRequest: Sendable, Hashable {
    public var channel: String?
    public var to: String?
    public var from: String?
    public var subject: String?
    public var text: String?
    /// Free-form campaign tag, searchable in the log.
    public var tag: String?
    public var sendAt: Date?
    public var validityMinutes: Int?
    public var callbackURL: String?
    /// SMS: replace typographic look-alikes so the text fits GSM-7 (fewer, cheaper parts).
    public var smartEncoding: Bool

    public init(
        channel: String?, to: String?, from: String? = nil, subject: String? = nil, text: String?,
        tag: String? = nil, sendAt: Date? = nil, validityMinutes: Int? = nil, callbackURL: String? = nil, smartEncoding: Bool = false
    ) {
        self.smartEncoding = smartEncoding
        self.channel = channel
        self.to = to
        self.from = from
        self.subject = subject
        self.text = text
        self.tag = tag
        self.sendAt = sendAt
        self.validityMinutes = validityMinutes
        self.callbackURL = callbackURL
    }
}

/// A validated message ready to be stored: either to send, or already REJECTED with a reason.
public struct MessageDraft: Sendable, Hashable {
    public var channel: Channel
    /// Normalised recipient (E.164 for phone channels, lower-cased domain for e-mail); the raw input when rejected.
    public var to: String
    public var from: String?
    public var subject: String?
    public var text: String
    public var tag: String?
    public var sendAt: Date?
    public var validityMinutes: Int
    public var callbackURL: String?
    /// Text of each part (one for e-mail and chat).
    public var parts: [String]
    public var encoding: String?
    public var characters: Int
    /// Set when the message is refused before sending; it is still stored, as REJECTED.
    public var rejection: ReasonCode?
    /// What smart encoding replaced in `text` (empty when it was off or changed nothing).
    public var replacements: [SMSText.Replacement] = []

    public var segments: Int { parts.count }
    public var initialStatus: MessageStatus {
        if let rejection { return rejection.policyStatus }
        return sendAt != nil ? .scheduled : .queued
    }
}
