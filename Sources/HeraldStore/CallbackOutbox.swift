import Foundation
import HeraldCore

/// The callbacks one write transaction owes: each store fills it while it records events (``owe(_:subject:messageIsFinal:sequence:)``
/// with the events that were new), writes ``deliveries`` in the same transaction and, after the commit, hands them to
/// the sender of its process (``DeliveryHandoff``). A status change and the callbacks it owes are durable together,
/// and no reader has to find them later.
public struct CallbackOutbox: Sendable {
    public let now: Date
    /// Set when a sender in this process takes the deliveries at once (``DeliveryHandoff``): they are leased to it, so
    /// no other sender claims them meanwhile. nil: they are due now for whichever sender claims them.
    public let leaseUntil: Date?
    /// The webhooks of each account the transaction touched, read once per transaction.
    private var webhooks: [String: [Webhook]] = [:]
    public private(set) var deliveries: [WebhookDelivery] = []
    /// The analytics counters of the messages that became final in this transaction, summed by key: written once at its
    /// end (a batch of finals of one hour and connector is one row).
    public private(set) var stats: [DeliveryStats.Key: DeliveryStats.Row] = [:]

    /// The campaign counters of the messages that became final in this transaction, summed the same way.
    public private(set) var progress: [CampaignProgress.Key: Int] = [:]

    public mutating func count(_ row: DeliveryStats.Row) {
        if stats[row.key] != nil { stats[row.key]!.add(row) } else { stats[row.key] = row }
    }

    /// When the provider took the submission a receipt in this transaction answers, by message (the receipt paths note
    /// it before applying the receipt): analytics time a final receipt from its submit.
    public private(set) var submittedAt: [String: Date] = [:]

    public mutating func noteSubmission(of messageID: String, at date: Date?) {
        if let date { submittedAt[messageID] = date }
    }

    /// Counts a message that became final: its analytics row and, for a campaign's message, its campaign's counter.
    public mutating func countFinal(_ row: DeliveryStats.Row, campaignID: String?, status: MessageStatus) {
        count(row)
        if let campaignID { progress[CampaignProgress.key(campaignID: campaignID, status: status, finalAt: now), default: 0] += 1 }
    }

    public init(now: Date = Date(), leaseUntil: Date? = nil) {
        self.now = now
        self.leaseUntil = leaseUntil
    }

    /// Accounts among these whose webhooks the store still has to read for this transaction.
    public func unknownAccounts(_ accountIDs: some Sequence<String>) -> [String] {
        Array(Set(accountIDs.filter { webhooks[$0] == nil }))
    }

    public func knowsWebhooks(of accountID: String) -> Bool { webhooks[accountID] != nil }

    /// The account's webhooks as the store read them (an account without any is given an empty list).
    public mutating func learn(_ hooks: [Webhook], of accountIDs: [String]) {
        for id in accountIDs where webhooks[id] == nil { webhooks[id] = [] }
        for hook in hooks { webhooks[hook.accountID, default: []].append(hook) }
    }

    /// Adds the deliveries a newly recorded event owes (none when ``CallbackRouting`` says it owes nothing).
    /// `changed`: whether the event changed the message (``MessageLedger/fold(_:into:)``); nil when not known.
    public mutating func owe(_ event: StatusEvent, changed: Bool? = nil, sequence: Int64, subject: CallbackSubject, messageIsFinal: Bool) {
        deliveries += CallbackRouting.deliveries(for: event, changed: changed, sequence: sequence, subject: subject, messageIsFinal: messageIsFinal,
                                                 webhooks: webhooks[subject.accountID] ?? [], now: now, leaseUntil: leaseUntil)
    }
}
