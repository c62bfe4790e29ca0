import Foundation
import HeraldCore
import ServiceLifecycle

/// The one storage contract Herald runs on; SQLite (embedded) and PostgreSQL (many nodes) implement it.
///
/// Every method is one transaction. Status is never written directly: callers append events and the
/// store derives part and message status with ``MessageLedger`` in the same transaction.
public protocol HeraldStore: Service {
    /// Creates or upgrades the schema (versioned migrations).
    func migrate() async throws
    /// Whether the database holds Herald's schema (any version): commands other than `serve` and `migrate` refuse one without.
    func hasSchema() async throws -> Bool

    // MARK: Accounts and keys
    /// The account with this name, created if missing.
    func ensureAccount(named name: String) async throws -> Account
    /// The account with this name, if it exists.
    func account(named name: String) async throws -> Account?
    /// The account with this id, if it exists.
    func account(id: String) async throws -> Account?
    /// Stores the SHA-256 hash of a new API key.
    func addAPIKey(hash: String, prefix: String, accountID: String, role: APIKeyRole) async throws
    /// The account and role of the key with this SHA-256, if any.
    func authenticate(keyHash hash: String) async throws -> (account: Account, role: APIKeyRole)?
    /// Replaces the account's settings; nil when there is no such account.
    func updateSettings(accountID: String, settings: AccountSettings) async throws -> Account?
    /// Adds to the prepaid balance (a negative amount takes from it); a postpaid account becomes prepaid from zero.
    func addBalance(accountID: String, micros: Int64) async throws -> Account?
    /// Removes the balance: the account is postpaid (no limit, nothing reserved) from now on.
    func makePostpaid(accountID: String) async throws -> Account?

    // MARK: Messages
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
    /// One message of the account and its events read in one snapshot, so the timeline always agrees with the status
    /// (two separate reads can straddle a receipt's commit: DELIVERED with no DELIVERED event, or the reverse).
    func messageWithEvents(id: String, accountID: String) async throws -> (message: MessageRecord, events: [StatusEvent])?
    /// The account's events after `cursor`, in feed order (see ``FeedCursor``), at most `limit`.
    func feed(accountID: String, after cursor: FeedCursor, limit: Int) async throws -> [FeedEvent]
    /// The cursor of the account's latest event in the feed (``FeedCursor/start`` when it has none): where a live
    /// stream starts.
    func feedEnd(accountID: String) async throws -> FeedCursor
    /// The message log, newest first.
    func messages(matching query: MessageQuery) async throws -> [MessageRecord]
    /// Number of messages per status for an account.
    func statusCounts(accountID: String, since: Date?) async throws -> [MessageStatus: Int]

    // MARK: Dispatch queue
    /// Leases up to `limit` due messages to `owner` until `leaseUntil` and records SENDING (and QUEUED for
    /// scheduled ones). A lease that ran out (its worker died) is claimable again. Safe with several
    /// workers and several processes.
    func claim(owner: String, limit: Int, now: Date, leaseUntil: Date) async throws -> [DispatchJob]
    /// Appends events and correlations and updates queue entries, all in one transaction; derives status.
    /// Receipts parked for a new correlation are applied in the same transaction.
    func record(_ changes: [MessageChange]) async throws
    /// Extends every lease `owner` holds to `until` (a live worker whose submits are still in flight keeps its
    /// messages; only a dead worker's leases run out). Returns how many.
    @discardableResult
    func renewLeases(owner: String, until: Date) async throws -> Int

    // MARK: Receipts
    /// Correlates receipts with message parts and applies them; duplicates are idempotent; unmatched
    /// receipts are parked. A temporary failure is turned into a retry as `retry` decides (``ReceiptRetry``).
    func ingest(_ receipts: [ProviderReceipt], retry: ReceiptRetry) async throws -> [ReceiptOutcome]
    func unmatchedReceipts(connector: String?, limit: Int) async throws -> [UnmatchedReceipt]
    /// Applies parked receipts whose correlation exists now. Writers that run concurrently (PostgreSQL) can
    /// park a receipt just as its correlation commits; this sweep closes that gap. Never to the message a receipt was
    /// parked away from (its reason names it: a receipt that would flip a finished message waits for a new submission).
    /// Returns how many it applied.
    func rematchParked(limit: Int) async throws -> Int

    // MARK: Timers
    /// Records EXPIRED (UNKNOWN_OUTCOME) from the timer for up to `limit` messages past their validity
    /// with no final status, and removes their queue entries. Returns how many.
    func expire(now: Date, limit: Int) async throws -> Int

    /// Keeps connections open until graceful shutdown (a `Service` of the server's group).
    /// Closes connections.
    func close() async throws

    /// Cancels a SCHEDULED, QUEUED or DEFERRED message that no worker holds and no provider has taken: removes it
    /// from the queue and records CANCELED, in one transaction. A message being dispatched cannot be canceled.
    func cancel(messageID: String, accountID: String, now: Date) async throws -> CancelOutcome

    // MARK: Suppressions (opt-out)

    /// Adds a suppression; adding one that exists changes nothing.
    func addSuppression(_ suppression: Suppression) async throws
    /// Removes the recipient's suppressions for this sender and for every sender (`sender` nil: all of them).
    /// Returns how many were removed.
    func removeSuppressions(accountID: String, channel: Channel, recipient: String, sender: String?) async throws -> Int
    /// The account's suppressions, newest first; only the recipient's when given.
    func suppressions(accountID: String, recipient: String?, limit: Int) async throws -> [Suppression]
    /// The suppressions among these recipients (one indexed read for a whole batch).
    func suppressions(accountID: String, channel: Channel, recipients: [String]) async throws -> [Suppression]

    // MARK: Do-Not-Disturb list (promotional messages only)

    /// Adds numbers to the account's DND list; returns how many were new.
    func addDND(accountID: String, recipients: [String], now: Date) async throws -> Int
    /// Returns false when the number was not listed.
    func removeDND(accountID: String, recipient: String) async throws -> Bool
    /// The account's DND list, newest first, older than the cursor (a recipient), at most `limit`.
    func dndList(accountID: String, limit: Int) async throws -> [DNDEntry]

    // MARK: Status callbacks (webhooks)

    func createWebhook(_ webhook: Webhook) async throws
    /// The account's webhooks, oldest first.
    func webhooks(accountID: String) async throws -> [Webhook]
    /// The webhooks of these accounts (fan-out reads them for a page of events).
    func webhooks(accountIDs: [String]) async throws -> [Webhook]
    /// Removes the webhook; its pending deliveries are dropped. False when there was no such webhook.
    func deleteWebhook(id: String, accountID: String) async throws -> Bool
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
    /// Makes a delivery pending and due now (manual re-send). False when it is not the account's.
    func resendDelivery(id: String, accountID: String, now: Date) async throws -> Bool

    // MARK: Templates

    /// Creates or replaces the account's template of that name.
    func putTemplate(_ template: MessageTemplate) async throws
    func template(accountID: String, name: String) async throws -> MessageTemplate?
    /// The account's templates by name.
    func templates(accountID: String) async throws -> [MessageTemplate]
    /// Returns false when there was no such template.
    func deleteTemplate(accountID: String, name: String) async throws -> Bool

    // MARK: Campaigns

    func createCampaign(_ campaign: Campaign) async throws
    /// The campaign, only if it belongs to the account.
    func campaign(id: String, accountID: String) async throws -> Campaign?
    /// The account's campaigns, newest first, older than the cursor id.
    func campaigns(accountID: String, before cursor: String?, limit: Int) async throws -> [Campaign]
    /// The campaign's messages counted by status and reason, with their cost: one indexed read of the messages, so the
    /// counts always equal the messages' own statuses.
    func campaignCounts(campaignID: String) async throws -> CampaignCounts
    /// Adds to the rows of an upload that could not become messages.
    func addInvalidRows(campaignID: String, count: Int, now: Date) async throws
    /// Pauses (holds the queue entries no worker has) or resumes (releases them at their own time) in one transaction.
    /// Cancel holds them with the state change in one transaction, then records CANCELED for every message no provider
    /// has (as ``cancel(messageID:accountID:now:)``) in transactions of 2,000. A canceled campaign stays canceled
    /// (canceling it again sweeps messages added since). nil when the campaign is not the account's.
    func setCampaignState(id: String, accountID: String, to state: CampaignState, now: Date) async throws -> CampaignStateChange?

    // MARK: Inbound (MO) messages

    /// Stores an inbound message and, in the same transaction, links it to the message it answers (a REPLIED event on
    /// that message): the one its `inReplyTo` names when set (an e-mail reply names it), else the last SMS sent to its
    /// sender. Returns it with `inReplyTo` and `accountID` filled in when linked (cleared when the named one is unknown).
    func recordInbound(_ message: InboundMessage) async throws -> InboundMessage
    /// The account's inbound messages, newest first, older than the cursor id.
    func inboundMessages(accountID: String, before cursor: String?, limit: Int) async throws -> [InboundMessage]
}

extension HeraldStore {
    /// Applies receipts as they come, never retrying.
    public func ingest(_ receipts: [ProviderReceipt]) async throws -> [ReceiptOutcome] {
        try await ingest(receipts, retry: .none)
    }

    /// Stores messages without screening.
    public func accept(_ messages: [NewMessage]) async throws -> [AcceptOutcome] {
        try await accept(messages, screening: .none).map(\.outcome)
    }
}

extension HeraldStore {
    public func addAPIKey(hash: String, prefix: String, accountID: String) async throws {
        try await addAPIKey(hash: hash, prefix: prefix, accountID: accountID, role: .account)
    }

    /// The account of the key with this SHA-256, if any.
    public func account(forKeyHash hash: String) async throws -> Account? {
        try await authenticate(keyHash: hash)?.account
    }
}

/// What a key may see: its own account, or (operator) what concerns every account: receipts no message claimed yet.
public enum APIKeyRole: String, Sendable, Hashable, CaseIterable {
    case account
    case `operator`
}
