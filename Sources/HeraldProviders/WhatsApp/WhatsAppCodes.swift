import HeraldCore

/// WhatsApp Cloud API error codes in Herald's words: the one table (docs/integrations/whatsapp.md prints it).
public enum WhatsAppCodes {
    public struct Entry: Sendable, Hashable {
        public var reason: ReasonCode
        public var meaning: String
    }

    public static let errors: [Int: Entry] = [
        100: Entry(reason: .providerRejected, meaning: "Invalid parameter"),
        190: Entry(reason: .providerUnavailable, meaning: "Access token expired or invalid"),
        368: Entry(reason: .providerRejected, meaning: "Temporarily blocked for policy violations"),
        80007: Entry(reason: .throttled, meaning: "Rate limit issues (WhatsApp Business Account)"),
        130429: Entry(reason: .throttled, meaning: "Rate limit hit (Cloud API message throughput)"),
        131000: Entry(reason: .generalError, meaning: "Something went wrong"),
        131005: Entry(reason: .providerRejected, meaning: "Access denied"),
        131008: Entry(reason: .providerRejected, meaning: "Required parameter is missing"),
        131009: Entry(reason: .providerRejected, meaning: "Parameter value is not valid"),
        131016: Entry(reason: .providerUnavailable, meaning: "Service unavailable"),
        131021: Entry(reason: .invalidNumber, meaning: "Recipient cannot be sender"),
        131026: Entry(reason: .unroutable, meaning: "Message undeliverable (the number is not on WhatsApp, or cannot receive this message)"),
        131030: Entry(reason: .providerRejected, meaning: "Recipient phone number not in allowed list (test number)"),
        131031: Entry(reason: .providerRejected, meaning: "Business account locked"),
        131042: Entry(reason: .providerRejected, meaning: "Business eligibility payment issue"),
        131047: Entry(reason: .providerRejected, meaning: "Re-engagement message: more than 24 hours since the customer last replied; send a template"),
        131048: Entry(reason: .antiSpamRejection, meaning: "Spam rate limit hit"),
        131049: Entry(reason: .antiSpamRejection, meaning: "Meta chose not to deliver (healthy ecosystem engagement)"),
        131050: Entry(reason: .optedOut, meaning: "The user stopped marketing messages from this business"),
        131051: Entry(reason: .invalidMessage, meaning: "Unsupported message type"),
        131052: Entry(reason: .invalidMessage, meaning: "Media download error"),
        131053: Entry(reason: .invalidMessage, meaning: "Media upload error"),
        131056: Entry(reason: .throttled, meaning: "Pair rate limit hit (too many messages to this number)"),
        132000: Entry(reason: .templateError, meaning: "Template parameter count mismatch"),
        132001: Entry(reason: .templateError, meaning: "Template does not exist"),
        132005: Entry(reason: .templateError, meaning: "Template hydrated text too long"),
        132007: Entry(reason: .templateError, meaning: "Template format character policy violated"),
        132012: Entry(reason: .templateError, meaning: "Template parameter format mismatch"),
        132015: Entry(reason: .templateError, meaning: "Template is paused"),
        132016: Entry(reason: .templateError, meaning: "Template is disabled"),
        133010: Entry(reason: .providerRejected, meaning: "Phone number not registered"),
    ]

    /// A status notification's word: the event (nil: no evidence, `known` false when Herald does not know the word).
    public static func kind(ofStatus word: String) -> (kind: EventKind?, known: Bool) {
        switch word.lowercased() {
        case "sent": (.status(.sent), true)
        case "delivered": (.status(.delivered), true)
        case "read": (.engagement(.read), true)
        case "failed": (.status(.undelivered), true)
        case "deleted", "warning": (nil, true)
        default: (nil, false)
        }
    }

    public static func reason(errorCode: Int?) -> ReasonCode {
        guard let errorCode else { return .generalError }
        return errors[errorCode]?.reason ?? .unknownProviderCode
    }
}
