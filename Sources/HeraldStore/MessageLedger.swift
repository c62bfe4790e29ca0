import struct Foundation.Date
import HeraldCore

/// The pure step both store backends share: fold new events into part states and aggregate.
public enum MessageLedger {
    /// Applies events (already de-duplicated) to the parts of one message. Events naming no part
    /// apply to every part; events naming a part that does not exist apply to none.
    public static func apply(_ events: [StatusEvent], to parts: inout [PartState]) -> MessageAggregate {
        fold(events, into: &parts).aggregate
    }

    /// ``apply(_:to:)-([StatusEvent],_)`` that also says, per event in order, whether it changed the message: its status
    /// or reason moved, or it is a conflict or engagement. Only such an event owes a callback (``CallbackRouting``); a
    /// receipt sent twice, a late SENT, or the first of two parts delivered (the message is not delivered yet) does not.
    /// `becameFinal`: the message had no final status before these events and has one after them.
    public static func fold(_ events: [StatusEvent], into parts: inout [PartState]) -> (aggregate: MessageAggregate, changed: [Bool], becameFinal: Bool) {
        var before = MessageAggregate(parts: parts)
        let wasFinal = before.status.isFinal
        var changed: [Bool] = []
        changed.reserveCapacity(events.count)
        for event in events {
            let effect = apply(event, to: &parts)
            let after = MessageAggregate(parts: parts)
            switch effect {
            case .conflict, .engagement: changed.append(true)
            case .applied: changed.append(after.status != before.status || after.reason != before.reason)
            case .ignoredWeaker: changed.append(false)
            }
            before = after
        }
        return (before, changed, !wasFinal && before.status.isFinal)
    }

    /// Folds one event into the parts it names and says what it did to the message as a whole: applied if it
    /// decided any part's status, else a conflict, else engagement, else ignored as weaker. The timeline uses it.
    @discardableResult
    public static func apply(_ event: StatusEvent, to parts: inout [PartState]) -> PartState.Effect {
        var effects: [PartState.Effect] = []
        if let index = event.part {
            if parts.indices.contains(index) { effects.append(parts[index].apply(event)) }
        } else {
            for index in parts.indices { effects.append(parts[index].apply(event)) }
        }
        return effects.contains(.applied) ? .applied
            : effects.contains(.conflict) ? .conflict
            : effects.contains(.engagement) ? .engagement : .ignoredWeaker
    }

    /// What a claim records: QUEUED when a scheduled message's time came, then SENDING for this attempt.
    public static func claimEvents(messageID: String, status: MessageStatus, attempt: Int, now: Date) -> [StatusEvent] {
        var events: [StatusEvent] = []
        if status == .scheduled {
            events.append(StatusEvent(messageID: messageID, kind: .status(.queued), source: .timer, occurredAt: now, dedupKey: "queued"))
        }
        events.append(StatusEvent(messageID: messageID, kind: .status(.sending), source: .connector, occurredAt: now, attempt: attempt, dedupKey: "sending:\(attempt)"))
        return events
    }

    /// What the validity timer records for a message with no final status.
    public static func expiry(messageID: String, now: Date) -> StatusEvent {
        StatusEvent(messageID: messageID, kind: .status(.expired), reason: .unknownOutcome, source: .timer, occurredAt: now, dedupKey: "expired")
    }

    /// The provider's words (status, error code) of the event that decides the message now, among the new events:
    /// kept on the message row so the log and exports show them without reading events. nil: unchanged.
    public static func decisiveDetail(_ inserted: [StatusEvent], parts: [PartState]) -> ProviderDetail? {
        inserted.last { event in event.detail != nil && parts.contains { $0.evidence.eventID == event.id } }?.detail
    }

    /// Parts a provider has not taken yet, or that wait for a retry after a temporary receipt, and that are not
    /// final: what a dispatch attempt must submit.
    public static func pendingParts(_ parts: [PartState]) -> [Int] {
        parts.indices.filter { !parts[$0].status.isFinal && (!parts[$0].wasAcceptedByProvider || parts[$0].status == .deferred) }
    }
}

/// Compact text forms for sets kept in part rows.
public enum SetCoding {
    public static func encode<T: RawRepresentable>(_ values: Set<T>) -> String where T.RawValue == String {
        switch values.count {
        case 0: ""
        case 1: values.first!.rawValue
        default: values.map(\.rawValue).sorted().joined(separator: ",")
        }
    }

    public static func decode<T: RawRepresentable>(_ text: String?, as type: T.Type = T.self) -> Set<T> where T.RawValue == String {
        guard let text, !text.isEmpty else { return [] }
        return decode(Substring(text))
    }

    public static func decode<T: RawRepresentable>(_ text: Substring, as type: T.Type = T.self) -> Set<T> where T.RawValue == String {
        guard !text.isEmpty else { return [] }
        return Set(text.split(separator: ",").compactMap { T(rawValue: String($0)) })
    }
}

/// Column order shared by both backends' message queries (read positionally, which is faster than by name).
public enum MessageColumns {
    public static let list = """
        id, account_id, channel, recipient, sender, subject, body, tag, status, reason, segments, encoding, characters, \
        accepted_parts, price_micros, conflict, engagement, created_at, updated_at, send_at, expires_at, callback_url, \
        idempotency_key, parts, reserved_micros, charged_micros, provider_status, provider_error, campaign_id, \
        \(nextAttempt), html, reply_to, email_options
        """

    /// When the queue will try the message next (read as ``MessageRecord/nextAttemptAt`` for a DEFERRED message).
    static let nextAttempt = "(SELECT available_at FROM queue WHERE queue.message_id = messages.id) AS next_attempt_at"
}

extension MessageColumns {
    /// ``list`` with the text, subject and part states left out (empty text, NULL subject and parts in their places): for ``MessageQuery/content`` false.
    public static let summary = """
        id, account_id, channel, recipient, sender, NULL AS subject, '' AS body, tag, status, reason, segments, encoding, characters, \
        accepted_parts, price_micros, conflict, engagement, created_at, updated_at, send_at, expires_at, callback_url, \
        idempotency_key, NULL AS parts, reserved_micros, charged_micros, provider_status, provider_error, campaign_id, \
        \(nextAttempt), NULL AS html, reply_to, NULL AS email_options
        """

    /// The column list a query asks for.
    public static func list(for query: MessageQuery) -> String { query.content ? list : summary }
}

/// Column order of event queries.
public enum EventColumns {
    public static let list = """
        id, message_id, part, kind, reason, source, occurred_at, recorded_at, connector, provider_id, attempt, \
        next_attempt_at, detail_status, detail_error_code, detail_network_error_code, detail_text, dedup_key, round
        """
    /// How many columns ``list`` names (a query may read more after them).
    public static let count = 18
    /// ``list`` qualified with the `e` alias, for joins (`events e JOIN messages m`).
    public static let qualified = list.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
}

extension MessageLedger {
    /// Statuses a message may be canceled from (nothing handed to a provider yet).
    public static let cancelable: Set<MessageStatus> = [.scheduled, .queued, .deferred]

    /// Whether a message in `status` with these parts can still be canceled.
    public static func canCancel(status: MessageStatus, parts: [PartState]) -> Bool {
        cancelable.contains(status) && !parts.contains { $0.wasAcceptedByProvider }
    }

    /// The CANCELED event of a cancel request.
    /// `campaignID`: the message was canceled with its campaign (the detail says so).
    public static func cancelEvent(messageID: String, now: Date, campaignID: String? = nil) -> StatusEvent {
        StatusEvent(messageID: messageID, kind: .status(.canceled), source: .api, occurredAt: now,
                    detail: ProviderDetail(text: campaignID.map { "campaign \($0) canceled" } ?? "canceled through the API"), dedupKey: "canceled")
    }
}
