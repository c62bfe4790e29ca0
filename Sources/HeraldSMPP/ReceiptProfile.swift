import HeraldCore
import SMPP

/// How one SMPP connector's receipts map to Herald statuses and reasons (`../shared/spec/statuses.md` section 5).
///
/// `stat` words are read by prefix, so DELIVRD / DELIVERED, UNDELIV / UNDELIVERABLE, REJECTD / REJECTED all
/// work; `statWords` overrides or adds words (FAILED, NACK, vendor words). `err` codes map to reasons by
/// `errorReasons` (leading zeros ignored); an unknown code keeps the status's default reason.
public struct ReceiptProfile: Sendable, Hashable {
    public var name: String
    /// Extra or overriding `stat` words (upper case) and the status each means.
    public var statWords: [String: MessageStatus]
    /// `err` code (decimal, no leading zeros) to reason.
    public var errorReasons: [String: ReasonCode]
    /// Treat ACCEPTD (accepted on the subscriber's behalf) as delivered rather than in transit.
    public var acceptedIsFinal: Bool

    public init(name: String, statWords: [String: MessageStatus] = [:], errorReasons: [String: ReasonCode] = [:], acceptedIsFinal: Bool = false) {
        self.name = name
        self.statWords = statWords
        self.errorReasons = errorReasons
        self.acceptedIsFinal = acceptedIsFinal
    }

    /// Status words only; `err` is kept as raw detail.
    public static let standard = ReceiptProfile(name: "standard")

    /// Vonage's SMPP `err` table (spec section 5).
    public static let vonage = ReceiptProfile(name: "vonage", errorReasons: [
        "1": .generalError, "2": .absentSubscriberTemporary, "3": .absentSubscriber, "4": .callBarred, "5": .portabilityError,
        "6": .antiSpamRejection, "7": .handsetBusy, "8": .networkError, "9": .illegalNumber, "10": .invalidMessage,
        "11": .unroutable, "12": .destinationUnreachable, "13": .ageRestriction, "14": .blockedByCarrier,
        "15": .prepaidInsufficientFunds, "99": .generalError,
    ])

    public static func named(_ name: String) -> ReceiptProfile? {
        switch name.lowercased() {
        case "standard", "default": .standard
        case "vonage": .vonage
        default: nil
        }
    }

    /// What a receipt asserts: a status event and, for failures, the reason.
    public func interpret(_ receipt: DeliveryReceipt) -> (status: MessageStatus, reason: ReasonCode?) {
        let word = (receipt.stat ?? "").uppercased()
        let status = statWords[word] ?? Self.status(forWord: word, acceptedIsFinal: acceptedIsFinal)
        switch status {
        case .undelivered, .failed:
            let code = receipt.error.map(Self.normaliseCode)
            if let code, let reason = errorReasons[code] { return (status, reason) }
            if word.hasPrefix("REJECT") { return (status, .antiSpamRejection) }
            return (status, .generalError)
        case .expired:
            return (status, word.hasPrefix("UNKNOWN") ? .unknownOutcome : nil)
        default:
            return (status, nil)
        }
    }

    /// The standard words, read by prefix. An unknown word is taken as "in the network" (SENT), never as a
    /// final outcome Herald cannot prove; the validity timer still ends the message if nothing else comes.
    static func status(forWord word: String, acceptedIsFinal: Bool) -> MessageStatus {
        if word.hasPrefix("UNDELIV") || word.hasPrefix("DELET") || word.hasPrefix("REJECT") || word.hasPrefix("FAIL")
            || word.hasPrefix("NACK") || word.hasPrefix("ERR") { return .undelivered }
        if word.hasPrefix("DELIV") { return .delivered }
        if word.hasPrefix("ENROUT") || word.hasPrefix("BUFFERED") || word.hasPrefix("SENT") { return .sent }
        if word.hasPrefix("ACCEPT") { return acceptedIsFinal ? .delivered : .sent }
        if word.hasPrefix("EXPIR") || word.hasPrefix("UNKNOWN") { return .expired }
        return .sent
    }

    public static func normaliseCode(_ code: String) -> String {
        let trimmed = code.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
