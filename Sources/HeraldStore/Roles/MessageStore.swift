import Foundation
import HeraldCore

/// Accepting messages and reading them back: one message with its timeline, the log, the event feed, counts; canceling one.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol MessageStore: Sendable {
    /// Stores messages with their initial event (and queue entry when they are to be sent), all or none.
    /// Messages of prepaid accounts reserve their cost here (INSUFFICIENT_BALANCE when it does not fit).
    /// A message whose idempotency key the account used before is not stored again. `screening` runs the
    /// opt-out and duplicate gates inside the same transaction; the answer carries each message as stored.
    func accept(_ messages: [NewMessage], screening: Screening) async throws -> [(outcome: AcceptOutcome, message: NewMessage)]
    /// One message, only if it belongs to the account.
    func message(id: String, accountID: String) async throws -> MessageRecord?
    func parts(messageID: String) async throws -> [PartRecord]
    /// Every event of a message in the order it was recorded.
    func events(messageID: String) async throws -> [StatusEvent]
    /// What the providers reported the message's provider messages cost (from their receipts), oldest first.
    func providerPrices(messageID: String) async throws -> [ProviderPriceRecord]
    /// How often the message was opened and clicked (``EngagementCount``), opened first.
    func engagementCounts(messageID: String) async throws -> [EngagementCount]
    /// One message of the account and its events read in one snapshot, so the timeline always agrees with the status
    /// (two separate reads can straddle a receipt's commit: DELIVERED with no DELIVERED event, or the reverse).
    func messageWithEvents(id: String, accountID: String) async throws -> (message: MessageRecord, events: [StatusEvent])?
    /// The account's events after `cursor`, in feed order (see ``FeedCursor``), at most `limit`.
    func feed(accountID: String, after cursor: FeedCursor, limit: Int) async throws -> [FeedEvent]
    /// The cursor of the account's latest event in the feed (``FeedCursor/start`` when it has none): where a live
    /// stream starts.
    func feedEnd(accountID: String) async throws -> FeedCursor
    /// The message log, newest first, and (with a ``MessageQuery/scanLimit`` and a filter no index serves) where the read
    /// stopped.
    func messagePage(matching query: MessageQuery) async throws -> MessagePage
    /// Number of messages per status for an account.
    func statusCounts(accountID: String, since: Date?) async throws -> [MessageStatus: Int]


    /// Cancels a SCHEDULED, QUEUED or DEFERRED message that no worker holds and no provider has taken: removes it
    /// from the queue and records CANCELED, in one transaction. A message being dispatched cannot be canceled.
    func cancel(messageID: String, accountID: String, now: Date) async throws -> CancelOutcome
}

extension MessageStore {
    /// The message log, newest first.
    public func messages(matching query: MessageQuery) async throws -> [MessageRecord] {
        try await messagePage(matching: query).records
    }
}
