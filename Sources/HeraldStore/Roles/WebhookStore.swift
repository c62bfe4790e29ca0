import Foundation
import HeraldCore

/// Webhooks as the API manages them, and the callback deliveries the ``WebhookSender`` claims, sends and records.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol WebhookStore: Sendable {
    func createWebhook(_ webhook: Webhook) async throws
    /// The account's webhooks, oldest first.
    func webhooks(accountID: String) async throws -> [Webhook]
    /// The webhooks of these accounts (fan-out reads them for a page of events).
    func webhooks(accountIDs: [String]) async throws -> [Webhook]
    /// Removes the webhook; its pending deliveries are dropped. False when there was no such webhook.
    func deleteWebhook(id: String, accountID: String) async throws -> Bool
    /// Gives the webhook a new secret; the old one keeps signing beside it until `previousUntil`. Nil: no such webhook.
    func rotateWebhookSecret(id: String, accountID: String, secret: String, previousUntil: Date) async throws -> Webhook?
    /// The key that signs the callbacks of messages' own `callback_url`; created on first use.
    func callbackSecret(accountID: String) async throws -> String
    /// Where the transactions that record events hand the callbacks they owe to this process's sender. Every write
    /// that records an event stores the deliveries it owes (``CallbackOutbox``) in the same transaction.
    var deliveryHandoff: DeliveryHandoff { get }
    /// The next `limit` events of every account after the cursor, in feed order, with what routing them needs (only
    /// ``WebhookCatchUp`` reads it: events recorded before the ledger owed callbacks itself).
    func routedFeed(after cursor: FeedCursor, limit: Int) async throws -> RoutedPage
    /// A named consumer's position in the feed (nil when it has none).
    func feedCursor(name: String) async throws -> FeedCursor?
    /// Stores deliveries (one already stored for the same endpoint and event is kept) and moves the named cursor
    /// (nil: removes it), in one transaction: a crash between the two cannot lose or double an event.
    func enqueueDeliveries(_ deliveries: [WebhookDelivery], cursorName: String, cursor: FeedCursor?) async throws
    /// Leases up to `limit` pending deliveries that are due, oldest first.
    func claimDeliveries(limit: Int, now: Date, leaseUntil: Date) async throws -> [WebhookDelivery]
    /// Moves pending deliveries to a later time without an attempt (their endpoint is known to be down).
    func postponeDeliveries(ids: [String], until: Date) async throws
    /// Records attempts (each also kept in the delivery's attempt history) and the deliveries' new state.
    func recordDeliveryAttempts(_ attempts: [DeliveryAttempt]) async throws
    /// A webhook's deliveries, newest first, with their attempts; nil when the webhook is not the account's.
    func deliveries(webhookID: String, accountID: String, limit: Int) async throws -> [(WebhookDelivery, [DeliveryAttempt])]?
    /// The account's deliveries of these events to these targets (``WebhookDelivery/target``), oldest first, each with
    /// its attempts: one message's callbacks, read through the deliveries' unique (target, event) index.
    func deliveries(accountID: String, targets: [String], eventIDs: [String]) async throws -> [(WebhookDelivery, [DeliveryAttempt])]
    /// Makes a delivery pending and due now (manual re-send). False when it is not the account's.
    func resendDelivery(id: String, accountID: String, now: Date) async throws -> Bool
}
