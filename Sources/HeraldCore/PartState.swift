import struct Foundation.Date

/// The derived state of one message part: a fold of its events that does not depend on their order.
///
/// The status is the one asserted by the event with the strongest ``Evidence``; everything else is a
/// union of facts (which final statuses were claimed, whether a provider took the part, engagement),
/// so replaying the same events in any order gives the same state. This is what makes late,
/// duplicated and out-of-order receipts safe. ``apply(_:)`` is the single place where a status changes.
public struct PartState: Sendable, Hashable {
    public var status: MessageStatus
    public var reason: ReasonCode?
    /// The evidence of the event that decided ``status``.
    public var evidence: Evidence
    /// Final statuses asserted by events other than our own expiry timer.
    public var claimedFinals: Set<MessageStatus>
    /// A provider accepted this part at some point (the billing rule).
    public var wasAcceptedByProvider: Bool
    /// Engagement seen on this part.
    public var engagement: Set<Engagement>
    /// Provider id of the part, once known.
    public var providerMessageID: String?
    /// Connector that carried the part.
    public var connector: String?

    /// The state before any event.
    public static let initial = PartState(
        status: .queued, reason: nil, evidence: .none, claimedFinals: [], wasAcceptedByProvider: false,
        engagement: [], providerMessageID: nil, connector: nil
    )

    public init(
        status: MessageStatus, reason: ReasonCode?, evidence: Evidence, claimedFinals: Set<MessageStatus>,
        wasAcceptedByProvider: Bool, engagement: Set<Engagement>, providerMessageID: String?, connector: String?
    ) {
        self.status = status
        self.reason = reason
        self.evidence = evidence
        self.claimedFinals = claimedFinals
        self.wasAcceptedByProvider = wasAcceptedByProvider
        self.engagement = engagement
        self.providerMessageID = providerMessageID
        self.connector = connector
    }

    /// Two or more different final statuses were claimed (e.g. DELIVERED then a failure receipt).
    /// The winner stands; the conflict is visible in the API.
    public var hasConflict: Bool { claimedFinals.count > 1 }

    /// What applying one event did; used to annotate the timeline.
    public enum Effect: String, Sendable, Hashable, Codable {
        /// The event decided the status (it may be the same status with a newer detail).
        case applied
        /// A weaker event arrived after a stronger one: recorded, status unchanged.
        case ignoredWeaker = "ignored_weaker"
        /// A final status already stood and this event claimed a different one without stronger evidence.
        case conflict
        /// Engagement recorded without changing the status.
        case engagement
    }

    /// Folds one event into the state and says what it did.
    @discardableResult
    public mutating func apply(_ event: StatusEvent) -> Effect {
        if case .engagement(let engagement) = event.kind {
            self.engagement.insert(engagement)
        }
        if let id = event.providerMessageID, providerMessageID == nil || event.kind == .status(.accepted) {
            providerMessageID = id
        }
        if let connector = event.connector, event.source == .connector {
            self.connector = connector
        }
        guard let asserted = event.kind.assertedStatus else { return .engagement }
        if asserted.impliesProviderAcceptance, event.source == .connector || event.source == .receipt {
            wasAcceptedByProvider = true
        }
        let isTimerExpiry = event.source == .timer
        if asserted.isFinal, !isTimerExpiry {
            claimedFinals.insert(asserted)
        }
        let candidate = Evidence(status: asserted, source: event.source, occurredAt: event.occurredAt, eventID: event.id, round: event.round)
        if candidate > evidence {
            status = asserted
            reason = event.effectiveReason
            evidence = candidate
            return .applied
        }
        if asserted.isFinal, status.isFinal, asserted != status, !isTimerExpiry {
            return .conflict
        }
        // READ or a reply that does not decide the status (DELIVERED already stands on evidence as strong) is still the
        // engagement it reports, never "ignored".
        if case .engagement = event.kind { return .engagement }
        return .ignoredWeaker
    }

    /// Replays events (in any order) from the initial state.
    public static func replay(_ events: some Sequence<StatusEvent>) -> PartState {
        var state = PartState.initial
        for event in events { state.apply(event) }
        return state
    }
}

/// How strong the evidence of one event is: a total order over events, independent of arrival.
///
/// Finals beat non-finals. Among non-finals the retry round decides first: when a receipt reports a temporary
/// failure and Herald sends the part again, the DEFERRED that opens the new round, and everything of that round,
/// outrank what the earlier round's provider said (a late SENT of the old attempt cannot hide the new one).
/// Then the tier (the order of strength of `docs/STATUSES.md` section 2, with finals split by who says so), then
/// time: among non-final statuses of equal strength the later one wins (SCHEDULED then QUEUED, a newer
/// DEFERRED); among finals of equal tier the later round, then the first one, stands. The event id breaks ties.
public struct Evidence: Sendable, Hashable, Comparable {
    /// 0 SCHEDULED/QUEUED, 1 SENDING, 2 DEFERRED, 3 ACCEPTED/PARTIALLY_SENT, 4 SENT,
    /// 5 EXPIRED from our own timer, 6 final from Herald (policy, connector, operator),
    /// 7 final failure reported by a receipt, 8 DELIVERED. -1: no evidence yet.
    public var tier: Int
    public var occurredAt: Date
    public var eventID: String
    /// Retry round after temporary receipts: 0 for the first submission of the part.
    public var round: Int

    public static let none = Evidence(tier: -1, occurredAt: .distantPast, eventID: "")

    public init(tier: Int, occurredAt: Date, eventID: String, round: Int = 0) {
        self.tier = tier
        self.occurredAt = occurredAt
        self.eventID = eventID
        self.round = round
    }

    public init(status: MessageStatus, source: EventSource, occurredAt: Date, eventID: String, round: Int = 0) {
        let tier: Int
        if !status.isFinal {
            tier = status.strength
        } else if status == .delivered || status == .partiallyDelivered {
            tier = 8
        } else if source == .timer {
            tier = 5
        } else if source == .receipt {
            tier = 7
        } else {
            tier = 6
        }
        self.init(tier: tier, occurredAt: occurredAt, eventID: eventID, round: round)
    }

    /// Tiers from 5 up are final statuses.
    public var isFinal: Bool { tier >= 5 }

    public static func < (lhs: Evidence, rhs: Evidence) -> Bool {
        if lhs.isFinal != rhs.isFinal { return rhs.isFinal }
        if lhs.isFinal {
            if lhs.tier != rhs.tier { return lhs.tier < rhs.tier }
            if lhs.round != rhs.round { return lhs.round < rhs.round }
        } else {
            if lhs.round != rhs.round { return lhs.round < rhs.round }
            if lhs.tier != rhs.tier { return lhs.tier < rhs.tier }
        }
        if lhs.occurredAt != rhs.occurredAt {
            // Finals: the first one stands. Non-finals: the newest one wins.
            return lhs.isFinal ? lhs.occurredAt > rhs.occurredAt : lhs.occurredAt < rhs.occurredAt
        }
        return lhs.eventID < rhs.eventID
    }
}
