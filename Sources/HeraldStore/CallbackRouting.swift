import Foundation
import HeraldCore
import HeraldJSON

/// What every callback of a message carries besides its event, and where it may go: read with the message row
/// that a status change locks anyway, so owing a callback costs no extra read.
public struct CallbackSubject: Sendable, Hashable {
    public var accountID: String
    public var to: String
    public var tag: String?
    public var campaignID: String?
    /// The message's own `callback_url`: every event of the message goes there too.
    public var callbackURL: String?

    public init(accountID: String, to: String, tag: String? = nil, campaignID: String? = nil, callbackURL: String? = nil) {
        self.accountID = accountID
        self.to = to
        self.tag = tag
        self.campaignID = campaignID
        self.callbackURL = callbackURL
    }
}

/// Which callbacks an event owes, decided once, in the transaction that records the event (both stores call it
/// through ``CallbackOutbox``):
/// - one per webhook of the event's account subscribed to its kind (no subscription list: every kind), and one to
///   the message's own `callback_url`;
/// - none for an event that did not change the message's status or reason (a receipt sent again, a late SENT after
///   DELIVERED, the first part of two delivered); conflicts and engagement always change it;
/// - none for a non-final status (QUEUED ... SENT) of a message that is final once the transaction's events are
///   applied: it is **superseded**. A receiver then never sees SENT after DELIVERED (a late intermediate receipt,
///   recorded in the timeline as `ignored_weaker`), and a message that went from SENT to DELIVERED in one write costs
///   one callback. Finals, conflicts and engagement are always owed.
///
/// The body is built here, once: every attempt sends the same bytes.
public enum CallbackRouting {
    public static func isSuperseded(_ kind: EventKind, messageIsFinal: Bool) -> Bool {
        guard messageIsFinal, case .status(let status) = kind else { return false }
        return !status.isFinal
    }

    /// The deliveries one recorded event owes (`sequence`: its position in the feed, increasing along a message).
    /// `changed`: whether the event changed the message (``MessageLedger/fold(_:into:)``; nil when not known: the catch-up of old events).
    public static func deliveries(for event: StatusEvent, changed: Bool?, sequence: Int64, subject: CallbackSubject, messageIsFinal: Bool,
                                  webhooks: [Webhook], now: Date, leaseUntil: Date?) -> [WebhookDelivery] {
        guard owes(event, changed: changed, subject: subject, messageIsFinal: messageIsFinal, webhooks: webhooks) else { return [] }
        var payloads: [Vocabulary: String] = [:]
        func payload(_ vocabulary: Vocabulary) -> String {
            if let built = payloads[vocabulary] { return built }
            let built = self.payload(event, sequence: sequence, subject: subject, vocabulary: vocabulary)
            payloads[vocabulary] = built
            return built
        }
        var deliveries: [WebhookDelivery] = []
        for hook in webhooks where hook.wants(event.kind.rawValue) {
            deliveries.append(WebhookDelivery(accountID: subject.accountID, webhookID: hook.id, url: hook.url, eventID: event.id, messageID: event.messageID,
                                              sequence: sequence, payload: payload(hook.vocabulary), nextAttemptAt: now, createdAt: now,
                                              leaseUntil: leaseUntil))
        }
        if let url = subject.callbackURL {
            deliveries.append(WebhookDelivery(accountID: subject.accountID, webhookID: nil, url: url, eventID: event.id, messageID: event.messageID,
                                              sequence: sequence, payload: payload(.canonical), nextAttemptAt: now, createdAt: now, leaseUntil: leaseUntil))
        }
        return deliveries
    }

    /// Whether the event owes any callback (cheap: no body is built).
    public static func owes(_ event: StatusEvent, changed: Bool?, subject: CallbackSubject, messageIsFinal: Bool, webhooks: [Webhook]) -> Bool {
        guard changed != false, !isSuperseded(event.kind, messageIsFinal: messageIsFinal) else { return false }
        return subject.callbackURL != nil || webhooks.contains { $0.wants(event.kind.rawValue) }
    }

    /// The JSON body of one callback: the event in its one shape (``EventJSON``) with the account, the sequence and the
    /// message's recipient, tag and campaign, so a receiver needs no lookup.
    public static func payload(_ event: StatusEvent, sequence: Int64, subject: CallbackSubject, vocabulary: Vocabulary = .canonical) -> String {
        EventJSON(event, vocabulary: vocabulary, position: .callback(EventJSON.Callback(
            accountID: subject.accountID, sequence: sequence, to: subject.to, tag: subject.tag, campaignID: subject.campaignID
        ))).json
    }
}
