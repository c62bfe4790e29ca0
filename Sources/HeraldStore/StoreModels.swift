import Foundation
import HeraldCore

/// A customer account: the unit of isolation (each account sees only its own messages).
public struct Account: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var createdAt: Date
    public var settings: AccountSettings
    /// Prepaid balance left to spend (reservations already taken out); nil: postpaid, no limit.
    public var balanceMicros: Int64?
    /// When the account was closed (its keys stopped working); nil: open.
    public var disabledAt: Date?

    public init(id: String, name: String, createdAt: Date, settings: AccountSettings = .init(), balanceMicros: Int64? = nil, disabledAt: Date? = nil) {
        self.disabledAt = disabledAt
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.settings = settings
        self.balanceMicros = balanceMicros
    }
}

/// A validated message with everything needed to store it.
public struct NewMessage: Sendable, Hashable {
    public var id: String
    public var accountID: String
    public var draft: MessageDraft
    public var createdAt: Date
    /// End of validity: a message with no final status by then becomes EXPIRED.
    public var expiresAt: Date
    /// Price of one accepted segment, in millionths of the account currency.
    public var priceMicros: Int64
    public var idempotencyKey: String?
    /// What the accept reserved from a prepaid balance (set by the store); nil for postpaid accounts.
    public var reservedMicros: Int64?
    /// The campaign the message belongs to; its queue entry is held while the campaign is paused.
    public var campaignID: String?

    public init(id: String? = nil, accountID: String, draft: MessageDraft, createdAt: Date, priceMicros: Int64, idempotencyKey: String? = nil) {
        self.id = id ?? HeraldID.make(.message, at: createdAt)
        self.accountID = accountID
        self.draft = draft
        self.createdAt = createdAt
        self.expiresAt = (draft.sendAt ?? createdAt).addingTimeInterval(TimeInterval(draft.validityMinutes * 60))
        self.priceMicros = priceMicros
        self.idempotencyKey = idempotencyKey
    }

    /// The first event of the message's timeline.
    public var initialEvent: StatusEvent {
        StatusEvent(
            messageID: id, kind: .status(draft.initialStatus), reason: draft.rejection,
            source: draft.rejection == nil ? .api : .policy, occurredAt: createdAt,
            detail: draft.initialDetail.map { ProviderDetail(text: $0) }, dedupKey: "initial"
        )
    }
}

/// What storing a new message did.
public enum AcceptOutcome: Sendable, Hashable {
    /// Stored now.
    case created(id: String)
    /// The `Idempotency-Key` was used before: this is the message stored then.
    case replayed(id: String)

    public var messageID: String {
        switch self {
        case .created(let id), .replayed(let id): id
        }
    }
}

/// A stored message with its derived status.
public struct MessageRecord: Sendable, Hashable {
    public var id: String
    public var accountID: String
    public var channel: Channel
    public var to: String
    public var from: String?
    public var subject: String?
    public var text: String
    public var tag: String?
    public var status: MessageStatus
    public var reason: ReasonCode?
    public var segments: Int
    public var encoding: String?
    public var characters: Int
    /// Segments billed so far (``BillingRule``; stored in `accepted_parts`).
    public var billedSegments: Int
    public var priceMicros: Int64
    public var hasConflict: Bool
    public var engagement: Set<Engagement>
    public var createdAt: Date
    public var updatedAt: Date
    public var sendAt: Date?
    public var expiresAt: Date
    public var callbackURL: String?
    public var idempotencyKey: String?
    /// The derived state of each part (read with the row, no extra query).
    public var parts: [PartState]
    /// Still held from a prepaid balance for this message (0 once final); nil for postpaid accounts.
    public var reservedMicros: Int64? = nil
    /// Charged to a prepaid balance so far.
    public var chargedMicros: Int64 = 0
    /// The provider's status word and error code behind the current status (`UNDELIV` / `007`), when one said so.
    public var providerStatus: String? = nil
    public var providerError: String? = nil
    /// The campaign the message belongs to.
    public var campaignID: String? = nil
    /// When a DEFERRED message is tried next (nil in every other status).
    public var nextAttemptAt: Date? = nil
    /// E-mail: the HTML body and the Reply-To address.
    public var html: String? = nil
    public var replyTo: String? = nil
    /// E-mail: custom headers, attachments, tracking.
    public var messageOptions: MessageOptions? = nil

    /// What a dispatch or status write needs to keep the prepaid accounting right.
    public var holding: Billing.Holding { Billing.Holding(reserved: reservedMicros, charged: chargedMicros, price: priceMicros) }

    /// Cost: accepted segments times the price (billing rule of `docs/STATUSES.md`).
    public var costMicros: Int64 { Int64(billedSegments) * priceMicros }
    /// Whether the message is billed in its status (``BillingRule``).
    public var billable: Bool { BillingRule.isBillable(status) }

    public init(
        id: String, accountID: String, channel: Channel, to: String, from: String?, subject: String?, text: String,
        tag: String?, status: MessageStatus, reason: ReasonCode?, segments: Int, encoding: String?, characters: Int,
        billedSegments: Int, priceMicros: Int64, hasConflict: Bool, engagement: Set<Engagement>, createdAt: Date,
        updatedAt: Date, sendAt: Date?, expiresAt: Date, callbackURL: String?, idempotencyKey: String?, parts: [PartState] = []
    ) {
        self.id = id
        self.accountID = accountID
        self.channel = channel
        self.to = to
        self.from = from
        self.subject = subject
        self.text = text
        self.tag = tag
        self.status = status
        self.reason = reason
        self.segments = segments
        self.encoding = encoding
        self.characters = characters
        self.billedSegments = billedSegments
        self.priceMicros = priceMicros
        self.hasConflict = hasConflict
        self.engagement = engagement
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sendAt = sendAt
        self.expiresAt = expiresAt
        self.callbackURL = callbackURL
        self.idempotencyKey = idempotencyKey
        self.parts = parts
    }
}

extension NewMessage {
    /// What the callbacks of this message carry and where they may go.
    public var callbackSubject: CallbackSubject {
        CallbackSubject(accountID: accountID, to: draft.to, tag: draft.tag, campaignID: campaignID, callbackURL: draft.callbackURL)
    }
}

extension MessageRecord {
    /// What the callbacks of this message carry and where they may go.
    public var callbackSubject: CallbackSubject {
        CallbackSubject(accountID: accountID, to: to, tag: tag, campaignID: campaignID, callbackURL: callbackURL)
    }
}

/// One part of a stored message with its own derived state.
public struct PartRecord: Sendable, Hashable {
    public var index: Int
    public var state: PartState

    public init(index: Int, state: PartState) {
        self.index = index
        self.state = state
    }
}

/// Filters of the message log.
/// A page of the message log, and where a bounded read (``MessageQuery/scanLimit``) stopped.
public struct MessagePage: Sendable {
    public var records: [MessageRecord]
    /// The last candidate a bounded read looked at (the next page's cursor when the page is not full); nil when it
    /// looked at every candidate, or was not bounded.
    public var readTo: String?

    public init(records: [MessageRecord], readTo: String?) {
        self.records = records
        self.readTo = readTo
    }
}

public struct MessageQuery: Sendable, Hashable {
    public var accountID: String
    /// Only messages in one of these statuses (empty: any).
    public var statuses: [MessageStatus] = []
    /// Only messages in this status.
    public var status: MessageStatus? {
        get { statuses.count == 1 ? statuses[0] : nil }
        set { statuses = newValue.map { [$0] } ?? [] }
    }
    /// Only messages whose status shows as this word in its vocabulary; the store selects on its ``StatusWordFilter/statuses``
    /// (set them too) and the reader checks the word (``MessagePages``).
    public var word: StatusWordFilter?
    public var to: String?
    public var tag: String?
    public var since: Date?
    public var until: Date?
    /// Only the messages of this campaign.
    public var campaignID: String?
    /// Only messages whose status has this reason.
    public var reason: ReasonCode?
    /// Only messages of this channel.
    public var channel: Channel?
    /// Only messages from this sender (as sent: a number, a sender id or an e-mail address).
    public var from: String?
    /// Only messages one of whose parts went to this connector.
    public var connector: String?
    /// The filters no index serves (``channel``, ``from``, ``connector``) read at most this many of the account's
    /// messages, newest first after the other filters: a page may then hold fewer than ``limit``, and
    /// ``MessagePage/readTo`` names the last message read, where the next page goes on. nil: no bound
    /// (the export, which reads everything anyway).
    public var scanLimit: Int?
    /// The ``scanLimit`` of a page of the log (the API's list, the dashboard): about 10 ms of reading rows.
    public static let pageScan = 20_000
    /// Whether a filter reads the messages' rows rather than an index.
    public var needsScan: Bool { channel != nil || from != nil || connector != nil }
    /// Return messages older than this id (ids sort by creation time; the log is newest first).
    public var before: String?
    /// ``since`` and ``until`` as a range of ids, for an index on ids to read only that time's messages (the stores
    /// still compare `created_at`, which decides): a message's id begins with the millisecond it was made
    /// (``HeraldID``), each bound widened by a millisecond against rounding of the stored time.
    public var idRange: (lowest: String?, below: String?) { Self.idRange(since: since, until: until) }
    public static func idRange(since: Date?, until: Date?) -> (lowest: String?, below: String?) {
        (since.map { HeraldID.lowest(.message, at: $0.addingTimeInterval(-0.001)) },
         until.map { HeraldID.lowest(.message, at: $0.addingTimeInterval(0.002)) })
    }
    public var limit: Int
    /// false: the text, subject and part states are not read (left empty). Exports never show them, and they are the
    /// largest and the costliest columns to decode of a row.
    public var content = true

    public init(accountID: String, status: MessageStatus? = nil, to: String? = nil, tag: String? = nil, since: Date? = nil, until: Date? = nil, before: String? = nil, limit: Int = 50,
                campaignID: String? = nil, reason: ReasonCode? = nil) {
        self.campaignID = campaignID
        self.reason = reason
        self.accountID = accountID
        self.statuses = status.map { [$0] } ?? []
        self.to = to
        self.tag = tag
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}

/// A message claimed for dispatch, leased to one worker until ``leaseUntil``.
public struct DispatchJob: Sendable, Hashable {
    public var messageID: String
    public var accountID: String
    public var channel: Channel
    public var to: String
    public var from: String?
    public var subject: String?
    public var text: String
    public var segments: Int
    /// 1 for the first try.
    public var attempt: Int
    public var expiresAt: Date
    /// Parts a provider has not taken yet (all parts on the first attempt).
    public var pendingParts: [Int]
    /// Retry round of each part (index = part): events and correlations of this attempt carry it.
    public var rounds: [Int] = []
    /// E-mail: the HTML body and the Reply-To address.
    public var html: String?
    public var replyTo: String?
    public var messageOptions: MessageOptions?

    /// The retry round of a part; of a whole-message submission, the latest round among the pending parts.
    public func round(of part: Int) -> Int {
        if part < 0 { return pendingParts.map(round(of:)).max() ?? 0 }
        return rounds.indices.contains(part) ? rounds[part] : 0
    }

    public init(messageID: String, accountID: String, channel: Channel, to: String, from: String?, subject: String?, text: String, segments: Int,
                attempt: Int, expiresAt: Date, pendingParts: [Int], rounds: [Int] = []) {
        self.rounds = rounds
        self.messageID = messageID
        self.accountID = accountID
        self.channel = channel
        self.to = to
        self.from = from
        self.subject = subject
        self.text = text
        self.segments = segments
        self.attempt = attempt
        self.expiresAt = expiresAt
        self.pendingParts = pendingParts
    }
}

/// The durable link between a provider's id and the message part it names.
public struct Correlation: Sendable, Hashable {
    public var connector: String
    public var providerMessageID: String
    public var messageID: String
    public var part: Int
    /// Retry round of the submission (its receipts belong to that round).
    public var round: Int
    /// When the provider took it (the submit response): a receipt's submit date is checked against it.
    public var correlatedAt: Date?
    /// The forms a receipt that arrived first may have been parked under (``providerMessageID`` first).
    public var matchKeys: [String]

    public init(connector: String, providerMessageID: String, messageID: String, part: Int, round: Int = 0, correlatedAt: Date? = nil,
                matchKeys: [String]? = nil) {
        self.connector = connector
        self.providerMessageID = providerMessageID
        self.messageID = messageID
        self.part = part
        self.round = round
        self.correlatedAt = correlatedAt
        self.matchKeys = matchKeys ?? [providerMessageID]
        if !self.matchKeys.contains(providerMessageID) { self.matchKeys.insert(providerMessageID, at: 0) }
    }
}

/// What happens to a message's queue entry.
public enum QueueChange: Sendable, Hashable {
    /// Leave it as it is.
    case keep
    /// Done with dispatch: remove it.
    case remove
    /// Try again at the given time (lease released).
    case retry(at: Date)
    /// Nothing was handed to a provider (its connector is down): try again at the given time, lease released, and
    /// this claim does not count as an attempt.
    case wait(until: Date)
}

/// Events and side records for one message, written in one transaction.
public struct MessageChange: Sendable, Hashable {
    public var messageID: String
    public var events: [StatusEvent]
    public var correlations: [Correlation]
    public var queue: QueueChange
    /// How a receipt that overtook this submit response (parked, applied when the correlation is written) is retried,
    /// the same way as one that came after it.
    public var receiptRetry: ReceiptRetry

    public init(messageID: String, events: [StatusEvent], correlations: [Correlation] = [], queue: QueueChange = .keep, receiptRetry: ReceiptRetry = .none) {
        self.messageID = messageID
        self.events = events
        self.correlations = correlations
        self.queue = queue
        self.receiptRetry = receiptRetry
    }
}

/// A receipt that matched no message (yet). It is re-matched when its correlation appears.
public struct UnmatchedReceipt: Sendable, Hashable {
    public var id: String
    public var receipt: ProviderReceipt
    /// Why it was parked (no submission with its id yet, none it fits, ambiguous).
    public var reason: String?

    public init(id: String, receipt: ProviderReceipt, reason: String? = nil) {
        self.id = id
        self.receipt = receipt
        self.reason = reason
    }
}

/// What ingesting one receipt did.
public enum ReceiptOutcome: Sendable, Hashable {
    case applied(messageID: String)
    case duplicate(messageID: String)
    /// Parked: no correlation yet (applied the moment its correlation is written), or none it fits; `reason` says which.
    case parked(reason: String)
}

/// What a cancel request did.
public enum CancelOutcome: Sendable, Hashable {
    /// CANCELED now: it had not been handed to a provider and never will be.
    case canceled
    /// No such message in the account.
    case notFound
    /// Too late (or already final): it is being sent, or a provider has it. The current status says which.
    case notCancelable(MessageStatus)
}

/// A recipient who must not get messages from an account on a channel: from one sender, or from any (`sender` empty).
public struct Suppression: Sendable, Hashable {
    public var accountID: String
    public var channel: Channel
    public var recipient: String
    /// The sender it applies to; empty for every sender of the account.
    public var sender: String
    /// `api`, or the inbound message that asked for it (`inbound:in_...`).
    public var source: String
    public var createdAt: Date

    public init(accountID: String, channel: Channel, recipient: String, sender: String = "", source: String, createdAt: Date) {
        self.accountID = accountID
        self.channel = channel
        self.recipient = recipient
        self.sender = sender
        self.source = source
        self.createdAt = createdAt
    }

    /// Whether it blocks a message from `sender`. A message without a sender goes out under the connector's
    /// default, which Herald cannot compare here, so any suppression of the recipient blocks it (the opt-out wins).
    public func blocks(sender candidate: String?) -> Bool {
        guard let candidate else { return true }
        return sender.isEmpty || sender == candidate
    }
}

/// What the duplicate gate compares a new message with.
public struct RecentMessage: Sendable, Hashable {
    public var id: String
    public var recipient: String
    public var sender: String?
    public var text: String

    public init(id: String, recipient: String, sender: String?, text: String) {
        self.id = id
        self.recipient = recipient
        self.sender = sender
        self.text = text
    }

    /// Statuses of messages that were refused before sending: a new message is not a duplicate of those.
    public static let refusedStatuses: [MessageStatus] = [.rejected, .duplicate, .unsubscribed, .dnd, .dropped, .canceled]
}

/// A number on an account's Do-Not-Disturb list: promotional messages to it are DND / DND_LISTED.
public struct DNDEntry: Sendable, Hashable {
    public var recipient: String
    public var createdAt: Date

    public init(recipient: String, createdAt: Date) {
        self.recipient = recipient
        self.createdAt = createdAt
    }
}
