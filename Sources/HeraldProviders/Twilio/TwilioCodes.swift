import HeraldCore

/// Twilio's message status words and error codes in Herald's words: the one table (docs/integrations/twilio.md
/// prints it). Codes not here become UNKNOWN_PROVIDER_CODE with the raw code kept.
public enum TwilioCodes {
    /// One error code: Herald's reason and Twilio's own words for it.
    public struct Entry: Sendable, Hashable {
        public var reason: ReasonCode
        public var meaning: String
    }

    /// Error codes of delivery statuses (`ErrorCode` of an undelivered or failed callback) and of the API's refusals.
    public static let errors: [Int: Entry] = [
        21211: Entry(reason: .invalidNumber, meaning: "Invalid 'To' phone number"),
        21408: Entry(reason: .unroutable, meaning: "Permission to send an SMS has not been enabled for the region"),
        21602: Entry(reason: .invalidMessage, meaning: "Message body is required"),
        21606: Entry(reason: .providerRejected, meaning: "The 'From' phone number is not a valid, SMS-capable number for this account"),
        21610: Entry(reason: .optedOut, meaning: "Attempt to send to an unsubscribed recipient (the recipient replied STOP)"),
        21612: Entry(reason: .unroutable, meaning: "Twilio cannot route to this number from the 'From' number"),
        21614: Entry(reason: .invalidNumber, meaning: "'To' number is not a valid mobile number"),
        21617: Entry(reason: .invalidMessage, meaning: "The concatenated message body exceeds the 1600 character limit"),
        30001: Entry(reason: .queueFull, meaning: "Queue overflow"),
        30002: Entry(reason: .providerRejected, meaning: "Account suspended"),
        30003: Entry(reason: .absentSubscriber, meaning: "Unreachable destination handset"),
        30004: Entry(reason: .blockedByCarrier, meaning: "Message blocked"),
        30005: Entry(reason: .illegalNumber, meaning: "Unknown destination handset"),
        30006: Entry(reason: .unroutable, meaning: "Landline or unreachable carrier"),
        30007: Entry(reason: .antiSpamRejection, meaning: "Message filtered (carrier violation)"),
        30008: Entry(reason: .generalError, meaning: "Unknown error"),
        30009: Entry(reason: .networkError, meaning: "Missing inbound segment"),
        30010: Entry(reason: .providerRejected, meaning: "Message price exceeds max price"),
        30022: Entry(reason: .throttled, meaning: "US A2P 10DLC rate limits exceeded"),
        30032: Entry(reason: .blockedByCarrier, meaning: "Toll-free number has not been verified"),
        30034: Entry(reason: .blockedByCarrier, meaning: "US A2P 10DLC: message from an unregistered number"),
        30036: Entry(reason: .unknownOutcome, meaning: "Validity period expired"),
        30410: Entry(reason: .networkError, meaning: "Provider timeout error"),
        20003: Entry(reason: .providerUnavailable, meaning: "Authentication failed (account SID or auth token wrong)"),
        20429: Entry(reason: .throttled, meaning: "Too many requests"),
    ]

    /// What a status callback's `MessageStatus` says; nil for words that carry no delivery evidence (queued, accepted,
    /// scheduled, sending: Twilio still has it) and for words Herald does not know (`known` false).
    public static func kind(ofStatus word: String, errorCode: Int?) -> (kind: EventKind?, known: Bool) {
        switch word.lowercased() {
        case "queued", "accepted", "scheduled", "sending": (nil, true)
        case "sent": (.status(.sent), true)
        case "delivered": (.status(.delivered), true)
        case "undelivered": (errorCode == 30036 ? .status(.expired) : .status(.undelivered), true)
        case "failed": (errorCode == 30036 ? .status(.expired) : .status(.failed), true)
        case "read": (.engagement(.read), true)
        case "canceled": (.status(.failed), true)
        default: (nil, false)
        }
    }

    /// The reason of a failed or undelivered status: the code's, UNKNOWN_PROVIDER_CODE for a code not in ``errors``,
    /// the status's generic one without a code.
    public static func reason(errorCode: Int?, status: MessageStatus) -> ReasonCode {
        guard let errorCode else { return status.defaultReason ?? .generalError }
        return errors[errorCode]?.reason ?? .unknownProviderCode
    }
}
