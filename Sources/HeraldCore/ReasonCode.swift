/// A normalised failure (or deferral) reason: every non-delivered final status carries one.
///
/// The catalogue (``ReasonCode/info``) gives each code its meaning, the resolution a customer should
/// follow, and whether Herald retries it within the validity period.
public enum ReasonCode: String, CaseIterable, Sendable, Codable, Hashable {
    case illegalNumber = "ILLEGAL_NUMBER"
    case absentSubscriber = "ABSENT_SUBSCRIBER"
    case absentSubscriberTemporary = "ABSENT_SUBSCRIBER_TEMPORARY"
    case callBarred = "CALL_BARRED"
    case portabilityError = "PORTABILITY_ERROR"
    case antiSpamRejection = "ANTI_SPAM_REJECTION"
    case handsetBusy = "HANDSET_BUSY"
    case networkError = "NETWORK_ERROR"
    case invalidMessage = "INVALID_MESSAGE"
    case unroutable = "UNROUTABLE"
    case destinationUnreachable = "DESTINATION_UNREACHABLE"
    case ageRestriction = "AGE_RESTRICTION"
    case blockedByCarrier = "BLOCKED_BY_CARRIER"
    case prepaidInsufficientFunds = "PREPAID_INSUFFICIENT_FUNDS"
    case generalError = "GENERAL_ERROR"
    case invalidNumber = "INVALID_NUMBER"
    case invalidAddress = "INVALID_ADDRESS"
    case emptyRecipient = "EMPTY_RECIPIENT"
    case templateError = "TEMPLATE_ERROR"
    case insufficientBalance = "INSUFFICIENT_BALANCE"
    case optedOut = "OPTED_OUT"
    case dndListed = "DND_LISTED"
    case duplicateContent = "DUPLICATE_CONTENT"
    case suppressed = "SUPPRESSED"
    case throttled = "THROTTLED"
    case queueFull = "QUEUE_FULL"
    case providerUnavailable = "PROVIDER_UNAVAILABLE"
    case providerRejected = "PROVIDER_REJECTED"
    case mailboxFull = "MAILBOX_FULL"
    case mailboxUnknown = "MAILBOX_UNKNOWN"
    case softBounce = "SOFT_BOUNCE"
    case hardBounce = "HARD_BOUNCE"
    case spamComplaint = "SPAM_COMPLAINT"
    case unknownOutcome = "UNKNOWN_OUTCOME"
    case unknownProviderCode = "UNKNOWN_PROVIDER_CODE"
    case internalError = "INTERNAL_ERROR"

    /// The catalogue entry for this code.
    public var info: ReasonInfo { ReasonCatalogue.entry(for: self) }
    /// Whether Herald retries this reason within the validity period.
    public var isRetryable: Bool { info.retryable }

    /// The final status a message gets when a pre-send gate refuses it for this reason.
    public var policyStatus: MessageStatus {
        switch self {
        case .optedOut: .unsubscribed
        case .duplicateContent: .duplicate
        case .dndListed: .dnd
        case .suppressed: .dropped
        default: .rejected
        }
    }
}

/// One entry of the reasons catalogue.
public struct ReasonInfo: Sendable, Hashable, Codable {
    public var code: ReasonCode
    public var meaning: String
    public var resolution: String
    public var retryable: Bool
}
extension ReasonCode: Error {}
