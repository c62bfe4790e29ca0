import HeraldCore

/// Vonage's SMS API codes in Herald's words: the one table (docs/integrations/vonage.md prints it).
public enum VonageCodes {
    public struct Entry: Sendable, Hashable {
        public var reason: ReasonCode
        public var meaning: String
    }

    /// The delivery receipt's `err-code`, exactly the catalogue of the Vonage seed (`../shared/seeds/001`): its meaning
    /// and resolution are the reason's (`GET /v1/reasons`). Absent Subscriber - Temporary, Handset Busy and Network
    /// Error are retried.
    public static let receiptErrors: [String: Entry] = [
        "1": Entry(reason: .unknownOutcome, meaning: "Unknown: not delivered, no cause could be determined"),
        "2": Entry(reason: .absentSubscriberTemporary, meaning: "Absent Subscriber - Temporary"),
        "3": Entry(reason: .absentSubscriber, meaning: "Absent Subscriber - Permanent"),
        "4": Entry(reason: .callBarred, meaning: "Call barred by user"),
        "5": Entry(reason: .portabilityError, meaning: "Portability Error"),
        "6": Entry(reason: .antiSpamRejection, meaning: "Anti-Spam Rejection"),
        "7": Entry(reason: .handsetBusy, meaning: "Handset Busy"),
        "8": Entry(reason: .networkError, meaning: "Network Error"),
        "9": Entry(reason: .illegalNumber, meaning: "Illegal Number"),
        "10": Entry(reason: .invalidMessage, meaning: "Invalid Message"),
        "11": Entry(reason: .unroutable, meaning: "Unroutable"),
        "12": Entry(reason: .destinationUnreachable, meaning: "Destination Unreachable"),
        "13": Entry(reason: .ageRestriction, meaning: "Subscriber Age Restriction"),
        "14": Entry(reason: .blockedByCarrier, meaning: "Number Blocked by Carrier"),
        "15": Entry(reason: .prepaidInsufficientFunds, meaning: "Pre-Paid - Insufficient funds"),
        "95": Entry(reason: .unknownOutcome, meaning: "Unknown"),
        "99": Entry(reason: .generalError, meaning: "General Error"),
    ]

    /// What the API's per-message `status` says when it is not 0.
    public enum SubmitOutcome: Sendable, Hashable {
        /// Try again later (DEFERRED).
        case temporary(ReasonCode)
        /// Refused for good (FAILED).
        case permanent(ReasonCode)
        /// The credentials or signature were refused: the connector cannot be used until they are fixed.
        case credentials
    }

    /// The SMS API's response status codes.
    public static let submitStatuses: [String: (outcome: SubmitOutcome, meaning: String)] = [
        "1": (.temporary(.throttled), "Throttled"),
        "2": (.permanent(.providerRejected), "Missing Parameters"),
        "3": (.permanent(.providerRejected), "Invalid Parameters"),
        "4": (.credentials, "Invalid Credentials"),
        "5": (.temporary(.providerUnavailable), "Internal Error"),
        "6": (.permanent(.invalidMessage), "Invalid Message"),
        "7": (.permanent(.callBarred), "Number Barred"),
        "8": (.permanent(.providerRejected), "Partner Account Barred"),
        "9": (.permanent(.providerRejected), "Partner Quota Violation (not enough credit)"),
        "10": (.temporary(.throttled), "Too Many Existing Binds"),
        "11": (.permanent(.providerRejected), "Account Not Enabled For HTTP"),
        "12": (.permanent(.invalidMessage), "Message Too Long"),
        "14": (.credentials, "Invalid Signature"),
        "15": (.permanent(.providerRejected), "Invalid Sender Address"),
        "22": (.permanent(.providerRejected), "Invalid Network Code"),
        "23": (.permanent(.providerRejected), "Invalid Callback Url"),
        "29": (.permanent(.unroutable), "Non-Whitelisted Destination"),
        "32": (.credentials, "Signature And API Secret Disallowed"),
        "33": (.permanent(.absentSubscriber), "Number De-activated"),
    ]

    /// A receipt's `status` word (with its `err-code`): the event and, for failures, the reason. `known` false for a word
    /// Herald does not know (taken as SENT: in the network, never a final outcome Herald cannot prove).
    public static func interpret(status word: String, errorCode: String?) -> (kind: EventKind, reason: ReasonCode?, known: Bool) {
        let code = errorCode.map { $0.drop { $0 == "0" }.isEmpty ? "0" : String($0.drop { $0 == "0" }) }
        switch word.lowercased() {
        case "delivered": return (.status(.delivered), nil, true)
        case "accepted", "buffered": return (.status(.sent), nil, true)
        case "expired": return (.status(.expired), .unknownOutcome, true)
        case "unknown": return (.status(.expired), .unknownOutcome, true)
        case "failed", "rejected":
            guard let code, code != "0" else { return (.status(.undelivered), word.lowercased() == "rejected" ? .antiSpamRejection : .generalError, true) }
            return (.status(.undelivered), receiptErrors[code]?.reason ?? .unknownProviderCode, true)
        default: return (.status(.sent), nil, false)
        }
    }
}
