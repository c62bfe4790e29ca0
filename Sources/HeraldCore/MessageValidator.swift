import struct Foundation.Date
import PhoneNumbers
import SMSText

/// Turns a ``SendRequest`` into a ``MessageDraft``, or a ``FieldError`` when the request is unusable.
///
/// The split follows the API contract: a request that is malformed (unknown channel, no text, text too
/// long, no `to` field at all) is refused with a 4xx and nothing is stored; a request that is well formed
/// but whose recipient is empty or not a valid address is stored as REJECTED with its reason, so it
/// shows in the log like every other message.
public struct MessageValidator: Sendable {
    /// Most SMS parts one message may take.
    public var maxSMSSegments: Int
    /// Longest chat text, in characters.
    public var maxChatCharacters: Int
    /// Largest e-mail body, in UTF-8 bytes.
    public var maxEmailBytes: Int
    /// Validity when the request gives none (minutes).
    public var defaultValidityMinutes: Int

    public init(maxSMSSegments: Int = 10, maxChatCharacters: Int = 4096, maxEmailBytes: Int = 1_000_000, defaultValidityMinutes: Int = 48 * 60) {
        self.maxSMSSegments = maxSMSSegments
        self.maxChatCharacters = maxChatCharacters
        self.maxEmailBytes = maxEmailBytes
        self.defaultValidityMinutes = defaultValidityMinutes
    }

    /// Validity a request or an account may ask for, in minutes (up to 14 days).
    public static let validityRange = 1...(14 * 24 * 60)

    /// Validates a request under the sending account's settings (default country, validity, smart encoding).
    public func validate(_ request: SendRequest, settings: AccountSettings = .init()) -> Result<MessageDraft, FieldError> {
        guard let rawChannel = request.channel else {
            return .failure(FieldError(field: "channel", problem: "channel is missing", fix: "set channel to one of: sms, email, chat"))
        }
        guard let channel = Channel(rawValue: rawChannel.lowercased()) else {
            return .failure(FieldError(field: "channel", problem: "unknown channel '\(rawChannel)'", fix: "set channel to one of: sms, email, chat"))
        }
        guard let rawTo = request.to else {
            return .failure(FieldError(field: "to", problem: "recipient is missing", fix: channel == .email
                ? "set to to the recipient's e-mail address" : "set to to the recipient's number in E.164 form, e.g. +14155550100"))
        }
        let limited: [(String?, String, Int)] = [
            (rawTo, "to", FieldLimits.recipient), (request.from, "from", FieldLimits.sender), (request.subject, "subject", FieldLimits.subject),
            (request.tag, "tag", FieldLimits.tag), (request.callbackURL, "callback_url", FieldLimits.url),
            (request.replyTo, "reply_to", FieldLimits.recipient),
        ]
        for (value, field, limit) in limited {
            if let error = FieldLimits.check(value, field: field, limit: limit) { return .failure(error) }
        }
        if let text = request.text, text.utf8.contains(0) {
            return .failure(FieldError(field: "text", problem: "text contains a NUL character (\\u0000), which no channel can carry",
                                       fix: "remove the NUL character from text"))
        }
        if let problem = request.templateProblem {
            var draft = MessageDraft(
                channel: channel, to: rawTo, from: request.from, subject: request.subject, text: request.text ?? "", tag: request.tag,
                sendAt: request.sendAt, validityMinutes: request.validityMinutes ?? settings.validityMinutes ?? defaultValidityMinutes,
                callbackURL: request.callbackURL, parts: [request.text ?? ""], encoding: nil, characters: 0, rejection: .templateError
            )
            draft.initialDetail = problem
            draft.category = request.category
            return .success(draft)
        }
        if channel != .email {
            for (value, field) in [(request.html, "html"), (request.replyTo, "reply_to")] where value != nil {
                return .failure(FieldError(field: field, problem: "\(field) is for e-mail only", fix: "leave \(field) out of a \(channel.rawValue) message"))
            }
            if let options = request.messageOptions, options.hasEmailOptions {
                let field = !options.headers.isEmpty ? "headers" : !options.attachments.isEmpty ? "attachments"
                    : options.trackOpens != nil ? "track_opens" : "track_clicks"
                return .failure(FieldError(field: field, problem: "\(field) is for e-mail only", fix: "leave \(field) out of a \(channel.rawValue) message"))
            }
        }
        if let template = request.messageOptions?.chatTemplate {
            guard channel == .chat else {
                return .failure(FieldError(field: "chat_template", problem: "chat_template is for chat messages only",
                                           fix: "leave chat_template out of a \(channel.rawValue) message, or send it with channel chat"))
            }
            if let problem = template.problem() { return .failure(problem) }
        }
        if let options = request.messageOptions, let problem = options.problem() { return .failure(problem) }
        if let html = request.html {
            guard html.utf8.count <= maxEmailBytes else {
                return .failure(FieldError(field: "html", problem: "html is \(html.utf8.count) bytes", fix: "keep it under \(maxEmailBytes) bytes"))
            }
            if html.utf8.contains(0) {
                return .failure(FieldError(field: "html", problem: "html contains a NUL character", fix: "remove the NUL character from html"))
            }
        }
        var replyTo: String?
        if let raw = request.replyTo {
            guard case .success(let address) = Recipient.normalise(raw, for: .email), !raw.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" })
            else {
                return .failure(FieldError(field: "reply_to", problem: "'\(LogText.escaped(raw))' is not an e-mail address", fix: "give one address, e.g. support@acme.com"))
            }
            replyTo = address
        }
        // An e-mail may carry only HTML, a chat message only a template; every other message needs text.
        guard var text = request.text ?? (request.html != nil && channel == .email ? "" : nil) ?? request.messageOptions?.chatTemplate?.summary,
              !text.isEmpty || request.html != nil
        else {
            return .failure(FieldError(field: "text", problem: "text is missing or empty", fix: "set text to the message body, or template to a template name"))
        }
        var replacements: [SMSText.Replacement] = []
        if request.smartEncoding ?? settings.smartEncoding ?? false, channel == .sms {
            (text, replacements) = SMSText.gsmFriendly(text)
        }
        if channel == .email, (request.subject ?? "").isEmpty {
            return .failure(FieldError(field: "subject", problem: "an e-mail needs a subject", fix: "set subject"))
        }
        // A line break in a value that becomes a mail header would start another header (Bcc: ...): refused, never cleaned.
        for (field, value) in [("subject", request.subject), ("from", request.from)] {
            if let value, value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\u{0}" }) {
                return .failure(FieldError(field: field, problem: "\(field) contains a line break or NUL",
                                           fix: "put \(field) on one line: a line break in a header would let it add headers of its own"))
            }
        }
        if let tag = request.tag, tag.count > 128 {
            return .failure(FieldError(field: "tag", problem: "tag is \(tag.count) characters long", fix: "use at most 128 characters"))
        }
        let validity = request.validityMinutes ?? settings.validityMinutes ?? defaultValidityMinutes
        guard Self.validityRange.contains(validity) else {
            return .failure(FieldError(field: "validity_minutes", problem: "validity of \(validity) minutes is out of range", fix: "use 1 to 20160 minutes (14 days)"))
        }
        if let url = request.callbackURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            return .failure(FieldError(field: "callback_url", problem: "callback_url is not an http(s) URL", fix: "use an absolute http:// or https:// URL"))
        }

        var parts = [text]
        var encoding: String?
        var characters = text.count
        switch channel {
        case .sms:
            let segmented = SMSSegmenter().segment(text)
            guard segmented.segments <= maxSMSSegments else {
                return .failure(FieldError(
                    field: "text",
                    problem: "text needs \(segmented.segments) SMS segments (\(segmented.characters) characters, \(segmented.alphabet.rawValue))",
                    fix: "shorten it to at most \(maxSMSSegments) segments (\(maxSMSSegments * segmented.alphabet.limits.multipart) \(segmented.alphabet == .gsm7 ? "GSM-7 septets" : "UCS-2 units"))"
                ))
            }
            parts = segmented.parts
            encoding = segmented.alphabet.rawValue
            characters = segmented.characters
        case .chat:
            guard text.count <= maxChatCharacters else {
                return .failure(FieldError(field: "text", problem: "text is \(text.count) characters long", fix: "shorten it to at most \(maxChatCharacters) characters"))
            }
        case .email:
            guard text.utf8.count <= maxEmailBytes else {
                return .failure(FieldError(field: "text", problem: "body is \(text.utf8.count) bytes", fix: "keep it under \(maxEmailBytes) bytes"))
            }
        }

        var draft = MessageDraft(
            channel: channel, to: rawTo, from: request.from, subject: request.subject, text: text, tag: request.tag,
            sendAt: request.sendAt, validityMinutes: validity, callbackURL: request.callbackURL,
            parts: parts, encoding: encoding, characters: characters, rejection: nil
        )
        draft.replacements = replacements
        draft.category = request.category
        draft.html = request.html
        draft.replyTo = replyTo
        var options = request.messageOptions ?? MessageOptions()
        if channel == .email {
            // The account's tracking settings for messages that do not say.
            options.trackOpens = options.trackOpens ?? settings.trackOpens
            options.trackClicks = options.trackClicks ?? settings.trackClicks
        }
        draft.messageOptions = options.isEmpty ? nil : options
        switch channel {
        case .email:
            switch Recipient.normalise(rawTo, for: channel) {
            case .success(let normalised): draft.to = normalised
            case .failure(let reason): draft.rejection = reason
            }
        case .sms, .chat:
            switch PhoneNumber.parse(rawTo, defaultRegion: settings.defaultCountry) {
            case .success(let number):
                draft.to = number.e164
                draft.recipientCountry = number.region
                draft.recipientType = number.type.rawValue
            case .failure(let error):
                draft.rejection = error.isEmpty ? .emptyRecipient : .invalidNumber
                draft.initialDetail = "\(rawTo.trimmingWhitespace()): \(error); \(error.fix)"
            }
        }
        return .success(draft)
    }
}

/// Recipient address rules per channel.
public enum Recipient {
    /// E.164 for phone channels (spaces, dashes, dots, brackets and a `00` prefix tolerated); a plain
    /// address check for e-mail. The failure is the reason the message is REJECTED with.
    public static func normalise(_ raw: String, for channel: Channel, defaultCountry: String? = nil) -> Result<String, ReasonCode> {
        let trimmed = raw.trimmingWhitespace()
        if trimmed.isEmpty { return .failure(.emptyRecipient) }
        switch channel {
        case .email:
            // RFC 5321 syntax (RFC 6531 UTF-8 local parts); the domain in IDNA ASCII form.
            guard !trimmed.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\r" || $0 == "\n" }),
                  let address = EmailAddress.normalise(trimmed)
            else { return .failure(.invalidAddress) }
            return .success(address)
        case .sms, .chat:
            switch PhoneNumber.parse(trimmed, defaultRegion: defaultCountry) {
            case .success(let number): return .success(number.e164)
            case .failure: return .failure(.invalidNumber)
            }
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
