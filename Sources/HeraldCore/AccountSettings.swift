import PhoneNumbers

/// What an account decides for its own messages; every field has a gateway-wide default when unset.
public struct AccountSettings: Sendable, Hashable, Codable {
    /// ISO 3166 alpha-2 country that national numbers (`07911 123456`) are read in.
    public var defaultCountry: String?
    /// Validity of a message that gives none, in minutes (the gateway default is 48 hours).
    public var validityMinutes: Int?
    /// Replace typographic look-alikes with GSM-7 characters unless a request says otherwise.
    public var smartEncoding: Bool?
    /// The answer to an inbound HELP.
    public var helpText: String?
    /// Local hours (in the recipient's time zone) in which promotional messages are not delivered.
    public var quietHours: QuietHours?
    /// What happens to a promotional message in quiet hours: held until they end (default) or blocked as DND.
    public var quietHoursMode: QuietHoursMode?
    /// E-mail: record opens and clicks of messages that do not say (off when unset).
    public var trackOpens: Bool?
    public var trackClicks: Bool?
    /// Retention: after this many days a message's text (body, subject, HTML, attachments) and its callbacks' bodies
    /// are emptied; its status, timeline, reasons and cost stay. Nil: kept.
    public var redactAfterDays: Int?
    /// Retention: after this many days a final message is deleted with its timeline. Nil: kept.
    public var deleteAfterDays: Int?

    public init(defaultCountry: String? = nil, validityMinutes: Int? = nil, smartEncoding: Bool? = nil, helpText: String? = nil,
                quietHours: QuietHours? = nil, quietHoursMode: QuietHoursMode? = nil) {
        self.defaultCountry = defaultCountry
        self.validityMinutes = validityMinutes
        self.smartEncoding = smartEncoding
        self.helpText = helpText
        self.quietHours = quietHours
        self.quietHoursMode = quietHoursMode
    }

    public enum CodingKeys: String, CodingKey {
        case defaultCountry = "default_country", validityMinutes = "validity_minutes", smartEncoding = "smart_encoding"
        case helpText = "help_text", quietHours = "quiet_hours", quietHoursMode = "quiet_hours_mode"
        case trackOpens = "track_opens", trackClicks = "track_clicks"
        case redactAfterDays = "redact_after_days", deleteAfterDays = "delete_after_days"
    }

    /// Retention periods: 1 day to 10 years.
    public static let retentionRange = 1...3_650

    /// The first field that is out of range, with its fix.
    public func problem() -> FieldError? {
        if let country = defaultCountry, !PhoneNumber.isKnownRegion(country) {
            return FieldError(field: "default_country", problem: "'\(country)' is not a country code", fix: "use an ISO 3166 alpha-2 code in capitals, e.g. GB or US")
        }
        if let validity = validityMinutes, !MessageValidator.validityRange.contains(validity) {
            return FieldError(field: "validity_minutes", problem: "validity of \(validity) minutes is out of range", fix: "use 1 to 20160 minutes (14 days)")
        }
        if let days = redactAfterDays, !Self.retentionRange.contains(days) {
            return FieldError(field: "redact_after_days", problem: "\(days) days is out of range", fix: "use 1 to 3650 days, or null to keep message text")
        }
        if let days = deleteAfterDays, !Self.retentionRange.contains(days) {
            return FieldError(field: "delete_after_days", problem: "\(days) days is out of range", fix: "use 1 to 3650 days, or null to keep messages")
        }
        if let redact = redactAfterDays, let delete = deleteAfterDays, delete < redact {
            return FieldError(field: "delete_after_days", problem: "messages would be deleted (after \(delete) days) before their text is redacted (after \(redact))",
                              fix: "use a delete_after_days of at least redact_after_days, or leave redaction out")
        }
        if let help = helpText, help.isEmpty || help.count > 1_000 {
            return FieldError(field: "help_text", problem: "help_text is \(help.count) characters long", fix: "use 1 to 1000 characters")
        }
        return nil
    }
}

/// A daily window of local time, `start` inclusive to `end` exclusive, that may wrap midnight (21:00-08:00).
public struct QuietHours: Sendable, Hashable, Codable {
    /// Minutes after local midnight.
    public var startMinute: Int
    public var endMinute: Int

    public init?(start: String, end: String) {
        guard let start = Self.minutes(start), let end = Self.minutes(end), start != end else { return nil }
        startMinute = start
        endMinute = end
    }

    public func contains(minuteOfDay minute: Int) -> Bool {
        startMinute < endMinute ? (startMinute..<endMinute).contains(minute) : (minute >= startMinute || minute < endMinute)
    }

    /// Minutes from `minute` until the window ends.
    public func minutesUntilEnd(from minute: Int) -> Int {
        (endMinute - minute + 24 * 60) % (24 * 60)
    }

    public var start: String { Self.text(startMinute) }
    public var end: String { Self.text(endMinute) }

    /// `"21:30"` -> 1290.
    static func minutes(_ text: String) -> Int? {
        let pieces = text.split(separator: ":")
        guard pieces.count == 2, pieces[0].count <= 2, pieces[1].count == 2,
              let hours = Int(pieces[0]), let minutes = Int(pieces[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }

    static func text(_ minutes: Int) -> String {
        let hours = minutes / 60, rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    enum CodingKeys: String, CodingKey { case start, end }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let start = try container.decode(String.self, forKey: .start), end = try container.decode(String.self, forKey: .end)
        guard let hours = QuietHours(start: start, end: end) else {
            throw DecodingError.dataCorruptedError(forKey: .start, in: container, debugDescription: "quiet_hours needs start and end as different HH:MM times, e.g. 21:00 and 08:00")
        }
        self = hours
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
    }
}

/// What quiet hours do to a promotional message.
public enum QuietHoursMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// SCHEDULED until the quiet hours end in the recipient's time zone.
    case hold
    /// DND / DND_LISTED, not sent, not billed.
    case block
}
