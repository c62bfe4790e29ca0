import Foundation
import HeraldCore

/// Which recorded events put an address on the account's suppression list, decided once for both stores (they
/// write it in the transaction that records the event): an e-mail that bounced hard (the mailbox does not exist, or a
/// permanent failure the server gave no finer reason for). Later sends to that address are DROPPED / SUPPRESSED at
/// accept, not sent and not billed (``MessageScreening``). A mailbox that is full, or a refusal by policy, is not
/// suppressed: those change. A spam complaint (COMPLAINED) suppresses too.
public enum BounceSuppression {
    /// The `source` of a suppression a bounce created: `bounce:<message id>`.
    public static let sourcePrefix = "bounce:"
    /// The `source` of a suppression a complaint created: `complaint:<message id>`.
    public static let complaintPrefix = "complaint:"

    public static let hardBounceReasons: Set<ReasonCode> = [.mailboxUnknown, .hardBounce]

    public static func suppression(for event: StatusEvent, changed: Bool, channel: Channel, accountID: String, recipient: String,
                                   now: Date) -> Suppression? {
        guard changed, channel == .email else { return nil }
        if case .engagement(.complained) = event.kind {
            return Suppression(accountID: accountID, channel: .email, recipient: recipient, source: complaintPrefix + event.messageID, createdAt: now)
        }
        guard case .status(let status) = event.kind, status == .undelivered || status == .failed,
              let reason = event.reason, hardBounceReasons.contains(reason)
        else { return nil }
        return Suppression(accountID: accountID, channel: .email, recipient: recipient, source: sourcePrefix + event.messageID, createdAt: now)
    }

    /// Whether a stored suppression came from a bounce (SUPPRESSED) rather than the recipient's opt-out (OPTED_OUT).
    public static func isBounce(_ suppression: Suppression) -> Bool {
        suppression.source.hasPrefix(sourcePrefix) || suppression.source.hasPrefix(complaintPrefix)
    }
}
