/// The reasons catalogue of `docs/STATUSES.md` section 3.
public enum ReasonCatalogue {
    /// Every entry, in catalogue order.
    public static let all: [ReasonInfo] = ReasonCode.allCases.map(entry(for:))

    /// The entry for one code.
    public static func entry(for code: ReasonCode) -> ReasonInfo {
        let (meaning, resolution, retryable): (String, String, Bool) = switch code {
        case .illegalNumber: ("invalid number", "confirm the receiver's number", false)
        case .absentSubscriber: ("number disconnected / not in use / phone off", "confirm the number, contact the carrier", false)
        case .absentSubscriberTemporary: ("subscriber temporarily absent (phone off or out of coverage)", "none: Herald retries within the validity period", true)
        case .callBarred: ("subscriber asked not to receive SMS", "receiver asks the carrier to enable SMS", false)
        case .portabilityError: ("number recently ported, database not updated", "retry later, contact support", false)
        case .antiSpamRejection: ("carrier rejected content or sender id", "review content / sender id", false)
        case .handsetBusy: ("handset busy", "try again later", true)
        case .networkError: ("network busy or failing", "try again later", true)
        case .invalidMessage: ("message not supported by the carrier (encoding, length)", "check encoding and content", false)
        case .unroutable: ("carrier cannot route to the number", "contact support", false)
        case .destinationUnreachable: ("destination unreachable", "confirm number / try later", true)
        case .ageRestriction: ("subscriber age restriction", "none", false)
        case .blockedByCarrier: ("number blocked by carrier", "receiver asks carrier to enable SMS", false)
        case .prepaidInsufficientFunds: ("receiver's plan cannot receive SMS now", "try again later", true)
        case .generalError: ("unspecified carrier error", "contact support", false)
        case .invalidNumber: ("recipient is not a valid number for its country", "fix the number", false)
        case .invalidAddress: ("recipient is not a valid e-mail address", "fix the address (local part, @, a domain with a dot)", false)
        case .emptyRecipient: ("no recipient given", "provide one", false)
        case .templateError: ("template missing or a variable unresolved", "fix template or data", false)
        case .insufficientBalance: ("account balance too low", "top up", false)
        case .optedOut: ("the recipient opted out of this sender/channel", "send only to recipients who opted in", false)
        case .dndListed: ("the recipient is on a Do-Not-Disturb list or in a blocked window", "send transactional content only, or outside quiet hours", false)
        case .duplicateContent: ("the same content went to the same recipient within the duplicate window", "vary the content or wait for the window to pass", false)
        case .suppressed: ("the address hard-bounced or complained before", "remove the address from your list", false)
        case .throttled: ("provider throttled the submission", "none: Herald retries", true)
        case .queueFull: ("provider queue full", "none: Herald retries", true)
        case .providerUnavailable: ("provider down or unreachable", "none: Herald retries", true)
        case .providerRejected: ("provider refused the submission permanently", "check the provider account and parameters", false)
        case .mailboxFull: ("recipient mailbox full", "try again later", true)
        case .mailboxUnknown: ("recipient mailbox does not exist", "fix the address", false)
        case .softBounce: ("temporary e-mail delivery failure", "none: Herald retries", true)
        case .hardBounce: ("permanent e-mail delivery failure", "remove or fix the address", false)
        case .spamComplaint: ("recipient marked the message as spam", "stop sending to this address", false)
        case .unknownOutcome: ("no final receipt, or the carrier reported UNKNOWN", "the message may have arrived; do not resend blindly", false)
        case .unknownProviderCode: ("the provider reported a failure with a code Herald does not know (kept raw in provider.error_code)",
                                    "look the code up in the provider's documentation; tell the Herald project so it gets mapped", false)
        case .internalError: ("Herald failed", "report it", true)
        }
        return ReasonInfo(code: code, meaning: meaning, resolution: resolution, retryable: retryable)
    }
}
