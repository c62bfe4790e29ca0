/// The canonical status of a message or of one of its parts (`docs/STATUSES.md` section 1).
///
/// Every surface of Herald (API, callbacks, log, CLI) speaks these words; provider vocabularies are
/// mapped onto them at the edges and back out again by ``Vocabulary``.
public enum MessageStatus: String, CaseIterable, Sendable, Codable, Hashable {
    case scheduled = "SCHEDULED"
    case queued = "QUEUED"
    case sending = "SENDING"
    case deferred = "DEFERRED"
    case accepted = "ACCEPTED"
    case partiallySent = "PARTIALLY_SENT"
    case sent = "SENT"
    case delivered = "DELIVERED"
    case partiallyDelivered = "PARTIALLY_DELIVERED"
    case undelivered = "UNDELIVERED"
    case expired = "EXPIRED"
    case failed = "FAILED"
    case rejected = "REJECTED"
    case unsubscribed = "UNSUBSCRIBED"
    case dnd = "DND"
    case duplicate = "DUPLICATE"
    case dropped = "DROPPED"
    case canceled = "CANCELED"

    /// A final status ends the message's life; it changes only on stronger evidence.
    public var isFinal: Bool { strength == 5 }

    /// Order of strength: SCHEDULED, QUEUED < SENDING < DEFERRED < ACCEPTED, PARTIALLY_SENT < SENT < final.
    public var strength: Int {
        switch self {
        case .scheduled, .queued: 0
        case .sending: 1
        case .deferred: 2
        case .accepted, .partiallySent: 3
        case .sent: 4
        default: 5
        }
    }

    /// Whether reaching this status means a provider took at least part of the message (the billing rule).
    public var impliesProviderAcceptance: Bool {
        switch self {
        case .accepted, .partiallySent, .sent, .delivered, .partiallyDelivered, .undelivered: true
        default: false
        }
    }

    /// The billable column of the specification, for display; the real decision is per part
    /// (``PartState/wasAcceptedByProvider``).
    public var billableByDefault: Bool {
        switch self {
        case .accepted, .partiallySent, .sent, .delivered, .partiallyDelivered, .undelivered, .expired: true
        default: false
        }
    }

    /// The reason a non-delivered final status carries when its event named none.
    public var defaultReason: ReasonCode? {
        switch self {
        case .undelivered: .generalError
        case .expired: .unknownOutcome
        case .failed: .internalError
        case .rejected: .invalidNumber
        case .unsubscribed: .optedOut
        case .dnd: .dndListed
        case .duplicate: .duplicateContent
        case .dropped: .suppressed
        default: nil
        }
    }

    /// A short sentence for people (CLI, dashboard).
    public var meaning: String {
        switch self {
        case .scheduled: "accepted with a send time in the future"
        case .queued: "accepted, valid, stored durably, waiting for a connector"
        case .sending: "being handed to a provider right now"
        case .deferred: "a temporary failure happened; a retry is planned"
        case .accepted: "the provider acknowledged the submission; nothing known from the network yet"
        case .partiallySent: "some parts accepted by the provider, others failed to submit"
        case .sent: "the provider or carrier reports the message is in the network"
        case .delivered: "a final receipt confirms delivery"
        case .partiallyDelivered: "at least one part delivered and at least one part failed"
        case .undelivered: "the provider or carrier could not deliver"
        case .expired: "no final receipt within the validity period; the real outcome is unknown"
        case .failed: "could not be handed to any provider"
        case .rejected: "refused before sending"
        case .unsubscribed: "the recipient opted out of this sender/channel"
        case .dnd: "the recipient is on a Do-Not-Disturb list or the message falls in a blocked window"
        case .duplicate: "the same content went to the same recipient within the duplicate window"
        case .dropped: "e-mail suppressed because the address hard-bounced or complained before"
        case .canceled: "canceled before it was sent"
        }
    }
}

/// Engagement recorded on top of a status, never replacing a final one.
public enum Engagement: String, CaseIterable, Sendable, Codable, Hashable {
    case opened = "OPENED"
    case clicked = "CLICKED"
    case read = "READ"
    case replied = "REPLIED"
    /// The recipient reported the e-mail as spam (an ARF feedback report, RFC 5965): its address is suppressed.
    case complained = "COMPLAINED"

    /// READ, REPLIED or COMPLAINED without a prior DELIVERED implies DELIVERED (the recipient had it: chat providers
    /// skip DELIVERED; a complaint comes from the mailbox).
    public var impliesDelivery: Bool { self == .read || self == .replied || self == .complained }
}

/// Where an event came from.
public enum EventSource: String, CaseIterable, Sendable, Codable, Hashable {
    case api, policy, connector, receipt, timer, `operator`

    /// Whether an event's detail is what a provider said (a submit response, a receipt) rather than Herald's own
    /// explanation (a gate, a timer, a cancel). Every surface shows the two in separate fields.
    public var speaksForProvider: Bool {
        switch self {
        case .connector, .receipt: true
        case .api, .policy, .timer, .operator: false
        }
    }
}

/// The channel a message travels on.
public enum Channel: String, CaseIterable, Sendable, Codable, Hashable {
    case sms, email, chat
}
