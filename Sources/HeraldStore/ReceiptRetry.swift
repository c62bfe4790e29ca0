import Foundation
import HeraldCore

/// Sending a part again when its receipt reports a temporary failure (HANDSET_BUSY, NETWORK_ERROR,
/// ABSENT_SUBSCRIBER_TEMPORARY, ... every reason the catalogue marks retryable).
///
/// The store asks this inside the receipt's transaction. A retry turns the receipt into a DEFERRED event (same
/// reason, the provider's raw detail, `next_attempt_at`) that opens the part's next retry round, and queues the
/// message again; the round makes the new attempt outrank whatever the old one's provider says later (see
/// ``Evidence``). When no attempt is left within the validity, the receipt is recorded as it came: the message ends
/// in its last reason.
public struct ReceiptRetry: Sendable, Hashable {
    /// nil: receipts are never retried.
    public var policy: RetryPolicy?
    public var now: Date

    public init(policy: RetryPolicy?, now: Date) {
        self.policy = policy
        self.now = now
    }

    public static let none = ReceiptRetry(policy: nil, now: .distantPast)

    /// Whether this event could lead to a retry (cheap check before reading attempts and validity).
    public func mayRetry(_ event: StatusEvent) -> Bool {
        guard policy != nil, event.source == .receipt, let status = event.kind.assertedStatus, status == .undelivered || status == .failed,
              let reason = event.reason else { return false }
        return reason.info.retryable
    }

    /// The event to record for a receipt on `part`, and when to queue the message again (nil: no retry).
    /// Only a receipt of the part's current round, on a part with no final status, is retried.
    public func decide(_ event: StatusEvent, part: PartState, lastAttempt: Int, expiresAt: Date) -> (event: StatusEvent, retryAt: Date?) {
        guard mayRetry(event), let policy, !part.status.isFinal, event.round >= part.evidence.round,
              let next = policy.nextAttempt(after: max(1, lastAttempt), now: now, expiresAt: expiresAt)
        else { return (event, nil) }
        let deferred = StatusEvent(
            id: event.id, messageID: event.messageID, part: event.part, kind: .status(.deferred), reason: event.reason, source: .receipt,
            occurredAt: event.occurredAt, recordedAt: event.recordedAt, connector: event.connector, providerMessageID: event.providerMessageID,
            attempt: lastAttempt, nextAttemptAt: next, detail: event.detail, dedupKey: event.dedupKey, round: event.round + 1
        )
        return (deferred, next)
    }
}
