/// What a message is billed, decided once for every surface (cost in the API, exports, prepaid balances).
///
/// The SMS.to seed: "The only non-billable status are: REJECTED, UNSUBSCRIBED." Herald's statuses that never left
/// Herald are the ones that vocabulary shows as REJECTED or UNSUBSCRIBED (REJECTED, UNSUBSCRIBED, DND, DUPLICATE,
/// DROPPED, CANCELED): not billable. Every other status is billable, FAILED and EXPIRED included.
///
/// Segments are billed as sent: each submission a provider accepted is one billed segment, so a part sent again
/// after a temporary failure receipt (HANDSET_BUSY) is billed for each round. A billable message that ended final is
/// billed at least its segments once (a FAILED message is billed as the seed bills it, whether or not a provider took
/// it). Before a message is final, what it was billed so far is what was sent so far.
public enum BillingRule {
    /// Whether a message in `status` is billed.
    public static func isBillable(_ status: MessageStatus) -> Bool {
        switch status {
        case .rejected, .unsubscribed, .dnd, .duplicate, .dropped, .canceled: false
        case .scheduled, .queued, .sending, .deferred, .accepted, .partiallySent, .sent, .delivered, .partiallyDelivered,
             .undelivered, .expired, .failed: true
        }
    }

    /// The segments billed for a message with these parts in `status`.
    public static func billedSegments(parts: [PartState], status: MessageStatus) -> Int {
        guard isBillable(status) else { return 0 }
        let sent = parts.reduce(0) { $0 + $1.acceptedSubmissions }
        return status.isFinal ? max(sent, parts.count) : sent
    }
}

extension PartState {
    /// How many times a provider accepted this part: once per retry round it reached (a round still waiting to be
    /// sent again, or being sent, is not yet accepted).
    public var acceptedSubmissions: Int {
        guard wasAcceptedByProvider else { return 0 }
        switch status {
        case .queued, .sending, .deferred, .scheduled: return evidence.round
        default: return evidence.round + 1
        }
    }
}
