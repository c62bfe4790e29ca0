import struct Foundation.Date

/// What an event says happened: a status, or engagement on top of one.
public enum EventKind: Sendable, Hashable {
    case status(MessageStatus)
    case engagement(Engagement)

    /// The stored word: the status or engagement name.
    public var rawValue: String {
        switch self {
        case .status(let status): status.rawValue
        case .engagement(let engagement): engagement.rawValue
        }
    }

    public init?(rawValue: String) {
        if let status = MessageStatus(rawValue: rawValue) {
            self = .status(status)
        } else if let engagement = Engagement(rawValue: rawValue) {
            self = .engagement(engagement)
        } else {
            return nil
        }
    }

    /// The status this event asserts, if it asserts one (READ/REPLIED assert DELIVERED).
    public var assertedStatus: MessageStatus? {
        switch self {
        case .status(let status): status
        case .engagement(let engagement): engagement.impliesDelivery ? .delivered : nil
        }
    }
}

/// An immutable input about a message: the unit of the event log.
///
/// The current status of a message is a pure function of its events (``PartState``,
/// ``MessageAggregate``); events are never updated or deleted.
public struct StatusEvent: Sendable, Hashable {
    /// Globally unique, time-ordered id (`evt_...`).
    public var id: String
    public var messageID: String
    /// The part the event is about; `nil` means the whole message (every part).
    public var part: Int?
    public var kind: EventKind
    public var reason: ReasonCode?
    public var source: EventSource
    /// When it happened according to its source (receipt done date, our clock for our own events).
    public var occurredAt: Date
    /// When Herald recorded it.
    public var recordedAt: Date
    /// The connector that carried the attempt or reported the receipt.
    public var connector: String?
    /// The provider's id for the message part.
    public var providerMessageID: String?
    /// Dispatch attempt number, for SENDING / DEFERRED / ACCEPTED events.
    public var attempt: Int?
    /// When the next attempt is planned (DEFERRED).
    public var nextAttemptAt: Date?
    /// Raw provider detail kept beside the normalised reason.
    public var detail: ProviderDetail?
    /// Events with the same key for the same message are the same input (duplicate receipts).
    public var dedupKey: String
    /// Retry round of the part (0: first submission; each retry after a temporary receipt opens the next).
    public var round: Int

    public init(
        id: String = HeraldID.make(.event),
        messageID: String,
        part: Int? = nil,
        kind: EventKind,
        reason: ReasonCode? = nil,
        source: EventSource,
        occurredAt: Date,
        recordedAt: Date? = nil,
        connector: String? = nil,
        providerMessageID: String? = nil,
        attempt: Int? = nil,
        nextAttemptAt: Date? = nil,
        detail: ProviderDetail? = nil,
        dedupKey: String? = nil,
        round: Int = 0
    ) {
        self.round = round
        self.id = id
        self.messageID = messageID
        self.part = part
        self.kind = kind
        self.reason = reason
        self.source = source
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt ?? occurredAt
        self.connector = connector
        self.providerMessageID = providerMessageID
        self.attempt = attempt
        self.nextAttemptAt = nextAttemptAt
        self.detail = detail
        self.dedupKey = dedupKey ?? id
    }

    /// The status this event asserts, with the default reason filled in for failures.
    public var effectiveReason: ReasonCode? {
        reason ?? kind.assertedStatus?.defaultReason
    }
}

/// Raw provider detail: what the provider literally said, kept beside the normalised reason.
public struct ProviderDetail: Sendable, Hashable, Codable {
    /// The provider's status word (`DELIVRD`, `undelivered`, `250`).
    public var status: String?
    /// The provider's error code (`err:` of an SMPP receipt, Twilio's error code, SMTP enhanced code).
    public var errorCode: String?
    /// Network error code (SMPP `network_error_code`).
    public var networkErrorCode: String?
    /// Free text: receipt text, SMTP reply, provider message.
    public var text: String?

    public init(status: String? = nil, errorCode: String? = nil, networkErrorCode: String? = nil, text: String? = nil) {
        self.status = status
        self.errorCode = errorCode
        self.networkErrorCode = networkErrorCode
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case status, errorCode = "error_code", networkErrorCode = "network_error_code", text
    }

    /// Herald's own words when the detail comes from Herald rather than a provider (see ``EventSource/speaksForProvider``).
    public var explanation: String? { text }
}
