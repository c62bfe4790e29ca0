import Foundation
import HeraldCore

/// An account's status-callback endpoint.
public struct Webhook: Sendable, Hashable {
    public var id: String
    public var accountID: String
    public var url: String
    /// Event types it receives (status and engagement words, `QUEUED` ... `READ`); empty: every event.
    public var events: Set<String>
    /// HMAC-SHA256 key of the `Herald-Signature` header.
    public var secret: String
    public var createdAt: Date
    /// The status words the callbacks use (`status`); the canonical word is always in `canonical_status`.
    public var vocabulary: Vocabulary
    /// Opt-in batching: many events per POST (nil: one event per POST).
    public var batch: Batch?
    /// The secret before the last rotation, still signing (beside ``secret``) until ``previousSecretUntil``.
    public var previousSecret: String?
    public var previousSecretUntil: Date?

    /// Up to `maxEvents` events in one POST, none held longer than `maxLatencyMs` waiting for the batch to fill.
    public struct Batch: Sendable, Hashable {
        public var maxEvents: Int
        public var maxLatencyMs: Int

        public init(maxEvents: Int, maxLatencyMs: Int) {
            self.maxEvents = maxEvents
            self.maxLatencyMs = maxLatencyMs
        }
    }

    public init(id: String, accountID: String, url: String, events: Set<String>, secret: String, createdAt: Date, vocabulary: Vocabulary = .canonical,
                batch: Batch? = nil, previousSecret: String? = nil, previousSecretUntil: Date? = nil) {
        self.previousSecret = previousSecret
        self.previousSecretUntil = previousSecretUntil
        self.batch = batch
        self.vocabulary = vocabulary
        self.id = id
        self.accountID = accountID
        self.url = url
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
    }

    /// Whether an event of this type goes to this endpoint.
    public func wants(_ type: String) -> Bool { events.isEmpty || events.contains(type) }
}

/// One event to POST to one endpoint (a webhook, or a message's own `callback_url`), with its attempts so far.
public struct WebhookDelivery: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Waiting for its (next) attempt.
        case pending
        /// An attempt got a 2xx.
        case delivered
        /// Every attempt of the schedule failed.
        case failed
    }

    public var id: String
    public var accountID: String
    /// nil for a message's `callback_url`.
    public var webhookID: String?
    public var url: String
    public var eventID: String
    public var messageID: String
    /// The event's sequence number: increases along each message's events, so a receiver can order them.
    public var sequence: Int64
    /// The JSON body, fixed when the delivery is created (every attempt sends the same bytes).
    public var payload: String
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var createdAt: Date
    public var deliveredAt: Date?
    public var lastStatusCode: Int?
    public var lastLatencyMs: Int?
    public var lastError: String?
    /// Set while a sender holds it (claimed, or handed to it by the transaction that created it).
    public var leaseUntil: Date?

    public init(id: String = HeraldID.make(.delivery), accountID: String, webhookID: String?, url: String, eventID: String, messageID: String,
                sequence: Int64, payload: String, state: State = .pending, attempts: Int = 0, nextAttemptAt: Date, createdAt: Date,
                deliveredAt: Date? = nil, lastStatusCode: Int? = nil, lastLatencyMs: Int? = nil, lastError: String? = nil, leaseUntil: Date? = nil) {
        self.id = id
        self.leaseUntil = leaseUntil
        self.accountID = accountID
        self.webhookID = webhookID
        self.url = url
        self.eventID = eventID
        self.messageID = messageID
        self.sequence = sequence
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
        self.lastStatusCode = lastStatusCode
        self.lastLatencyMs = lastLatencyMs
        self.lastError = lastError
    }

    /// The endpoint key deliveries are unique by (with the event): the webhook, or the callback URL.
    public var target: String { webhookID ?? "url:" + url }
}

/// What one POST of a delivery did.
public struct DeliveryAttempt: Sendable, Hashable {
    public var deliveryID: String
    public var at: Date
    public var statusCode: Int?
    public var latencyMs: Int
    public var error: String?
    /// The delivery's state after this attempt, and when to try next if pending.
    public var state: WebhookDelivery.State
    public var nextAttemptAt: Date?

    public init(deliveryID: String, at: Date, statusCode: Int?, latencyMs: Int, error: String?, state: WebhookDelivery.State, nextAttemptAt: Date?) {
        self.deliveryID = deliveryID
        self.at = at
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        self.error = error
        self.state = state
        self.nextAttemptAt = nextAttemptAt
    }
}

/// An event of any account, with what fan-out needs to address it.
public struct RoutedEvent: Sendable, Hashable {
    public var feed: FeedEvent
    public var accountID: String
    /// The message's own `callback_url`.
    public var callbackURL: String?
    /// The message's recipient, tag and campaign, carried by every callback so a receiver needs no lookup.
    public var to: String
    public var tag: String?
    public var campaignID: String?
    /// Whether the message is final now (its non-final events are then superseded: ``CallbackRouting``).
    public var messageIsFinal: Bool

    public var subject: CallbackSubject {
        CallbackSubject(accountID: accountID, to: to, tag: tag, campaignID: campaignID, callbackURL: callbackURL)
    }

    public init(feed: FeedEvent, accountID: String, callbackURL: String?, to: String = "", tag: String? = nil, campaignID: String? = nil,
                messageIsFinal: Bool = false) {
        self.messageIsFinal = messageIsFinal
        self.feed = feed
        self.accountID = accountID
        self.callbackURL = callbackURL
        self.to = to
        self.tag = tag
        self.campaignID = campaignID
    }
}

/// A page of the routed feed: the events that have somewhere to go, and how far the page read.
public struct RoutedPage: Sendable, Hashable {
    /// Events of accounts with a webhook, or of messages with their own `callback_url`, in feed order.
    public var events: [RoutedEvent]
    /// The cursor of the last event the page covered, returned or not (nil: no new events).
    public var end: FeedCursor?

    public init(events: [RoutedEvent], end: FeedCursor?) {
        self.events = events
        self.end = end
    }
}


