import HeraldCore

/// What the simulator does with one message.
public enum SimulatedOutcome: Sendable, Hashable {
    /// SENT (when intermediates are on) then DELIVERED.
    case delivered
    /// UNDELIVERED with a carrier reason.
    case undelivered(ReasonCode)
    /// The carrier reports EXPIRED.
    case expired
    /// The carrier reports UNKNOWN: EXPIRED / UNKNOWN_OUTCOME.
    case unknown
    /// Accepted, then never a receipt: the validity timer ends it as EXPIRED.
    case noReceipt
    /// The submission is refused for good: FAILED.
    case submitRejected(ReasonCode)
    /// The submission is refused temporarily on the first attempt, then accepted and delivered.
    case temporaryThenDelivered
    /// The first attempt's receipt says HANDSET_BUSY; a later attempt is delivered (a retry after a temporary receipt).
    case busyThenDelivered
    /// Every submission is refused temporarily: retries run out, FAILED.
    case alwaysTemporary(ReasonCode)
    /// DELIVERED, with the receipt sent twice.
    case duplicateReceipts
    /// DELIVERED arrives before SENT.
    case outOfOrder
    /// The receipt reaches Herald before the submission's answer.
    case receiptBeforeResponse
    /// DELIVERED, then a contradicting UNDELIVERED receipt: the conflict is recorded, DELIVERED stands.
    case conflictingReceipts
    /// First part delivered, the other parts undelivered: PARTIALLY_DELIVERED for multipart messages.
    case partialDelivery
    /// Chat: delivered then read.
    case read
    /// Chat: READ without a DELIVERED receipt (implies DELIVERED).
    case readWithoutDelivered

    /// The magic recipients: the last four digits of the number (or of the e-mail local part) choose an
    /// outcome. Documented in `docs/SIMULATOR.md`.
    public static let magic: [String: SimulatedOutcome] = {
        var table: [String: SimulatedOutcome] = ["0100": .delivered]
        let carrierReasons: [ReasonCode] = [
            .illegalNumber, .absentSubscriber, .callBarred, .portabilityError, .antiSpamRejection, .handsetBusy,
            .networkError, .invalidMessage, .unroutable, .destinationUnreachable, .ageRestriction, .blockedByCarrier,
            .prepaidInsufficientFunds, .generalError,
        ]
        for (offset, reason) in carrierReasons.enumerated() {
            table[fourDigits(101 + offset)] = .undelivered(reason)
        }
        table["0115"] = .expired
        table["0116"] = .unknown
        table["0117"] = .noReceipt
        table["0118"] = .submitRejected(.providerRejected)
        table["0119"] = .temporaryThenDelivered
        table["0120"] = .alwaysTemporary(.providerUnavailable)
        table["0121"] = .duplicateReceipts
        table["0122"] = .outOfOrder
        table["0123"] = .receiptBeforeResponse
        table["0124"] = .conflictingReceipts
        table["0125"] = .undelivered(.absentSubscriberTemporary)
        table["0126"] = .submitRejected(.illegalNumber)
        table["0127"] = .partialDelivery
        table["0128"] = .alwaysTemporary(.throttled)
        table["0129"] = .busyThenDelivered
        let mailReasons: [ReasonCode] = [.mailboxFull, .mailboxUnknown, .softBounce, .hardBounce, .spamComplaint]
        for (offset, reason) in mailReasons.enumerated() {
            table[fourDigits(130 + offset)] = .undelivered(reason)
        }
        table["0140"] = .read
        table["0141"] = .readWithoutDelivered
        return table
    }()

    /// The outcome forced by a recipient, if its last four digits are magic.
    public static func forced(for recipient: String) -> SimulatedOutcome? {
        let local = recipient.split(separator: "@").first.map(String.init) ?? recipient
        let digits = local.filter(\.isNumber)
        guard digits.count >= 4 else { return nil }
        return magic[String(digits.suffix(4))]
    }

    /// The SMPP-style stat word and Vonage-style err code a carrier would send for this reason.
    static func carrierWords(for reason: ReasonCode) -> (stat: String, err: String) {
        switch reason {
        case .generalError: ("UNDELIV", "001")
        case .absentSubscriberTemporary: ("UNDELIV", "002")
        case .absentSubscriber: ("UNDELIV", "003")
        case .callBarred: ("UNDELIV", "004")
        case .portabilityError: ("UNDELIV", "005")
        case .antiSpamRejection: ("REJECTD", "006")
        case .handsetBusy: ("UNDELIV", "007")
        case .networkError: ("UNDELIV", "008")
        case .illegalNumber: ("UNDELIV", "009")
        case .invalidMessage: ("REJECTD", "010")
        case .unroutable: ("UNDELIV", "011")
        case .destinationUnreachable: ("UNDELIV", "012")
        case .ageRestriction: ("REJECTD", "013")
        case .blockedByCarrier: ("REJECTD", "014")
        case .prepaidInsufficientFunds: ("UNDELIV", "015")
        case .mailboxFull: ("452", "4.2.2")
        case .mailboxUnknown: ("550", "5.1.1")
        case .softBounce: ("451", "4.4.1")
        case .hardBounce: ("550", "5.0.0")
        case .spamComplaint: ("complaint", "abuse")
        default: ("UNDELIV", "099")
        }
    }
}

private func fourDigits(_ value: Int) -> String {
    let digits = value.description
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
