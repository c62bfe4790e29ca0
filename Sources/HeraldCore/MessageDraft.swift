import struct Foundation.Date
import PhoneNumbers
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
    /// SMS: replace typographic look-alikes so the text fits GSM-7 (fewer, cheaper parts); nil: the account's setting.
    public var smartEncoding: Bool?
    /// Promotional messages are subject to the DND list and quiet hours; transactional ones pass.
    public var category: MessageCategory
    /// Name of the account template the text comes from (rendered by the gateway before validation).
    public var template: String?
    /// Mustache variables of this recipient.
    public var variables: [String: String]
    /// Set by the gateway when the template is missing or a variable is unresolved: the message is stored as
    /// REJECTED / TEMPLATE_ERROR with this explanation.
    public var templateProblem: String?
    /// E-mail: the HTML body (sent with `text` as multipart/alternative).
    public var html: String?
    /// E-mail: the Reply-To address.
    public var replyTo: String?
    /// E-mail: custom headers, attachments, tracking.
    public var messageOptions: MessageOptions?

    public init(
        channel: String?, to: String?, from: String? = nil, subject: String? = nil, text: String?,
        tag: String? = nil, sendAt: Date? = nil, validityMinutes: Int? = nil, callbackURL: String? = nil, smartEncoding: Bool? = nil,
        category: MessageCategory = .transactional, template: String? = nil, variables: [String: String] = [:]
    ) {
        self.template = template
        self.variables = variables
        self.smartEncoding = smartEncoding
        self.category = category
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
    /// Why, in words, the message was refused or held (`not a number in the GB numbering plan`, `quiet hours ...`):
    /// the detail of its first event.
    public var initialDetail: String?
    /// ISO 3166 region of a phone recipient (`001` for international non-geographic numbers).
    public var recipientCountry: String?
    /// libphonenumber's type of a phone recipient (`mobile`, `fixed_line`, ...).
    public var recipientType: String?
    /// IANA time zones of a phone recipient's area (quiet hours are read in the first). Looked up on demand: most
    /// messages never need it.
    public var recipientTimeZones: [String] {
        guard recipientCountry != nil, case .success(let number) = PhoneNumber.parse(to) else { return [] }
        return number.timeZones
    }
    public var category: MessageCategory = .transactional
    /// E-mail: the HTML body and Reply-To address.
    public var html: String?
    public var replyTo: String?
    /// E-mail: custom headers, attachments, tracking (nil when none is set).
    public var messageOptions: MessageOptions?
    /// What smart encoding replaced in `text` (empty when it was off or changed nothing).
    public var replacements: [SMSText.Replacement] = []

    public var segments: Int { parts.count }
    public var initialStatus: MessageStatus {
        if let rejection { return rejection.policyStatus }
        return sendAt != nil ? .scheduled : .queued
    }
}

/// Whether a message is marketing (subject to DND lists and quiet hours) or a transaction the user expects.
public enum MessageCategory: String, Sendable, Hashable, Codable, CaseIterable {
    case transactional
    case promotional
    /// Herald's own answer to a subscriber's keyword (HELP): sent even to an opted-out number, as carriers require.
    /// Not accepted from the API.
    case keywordReply = "keyword_reply"
}
