import HeraldCore

/// A status or engagement event as every surface shows it: the event feed and its stream, a message's timeline and a
/// status callback. One shape and one writer; each surface adds only where the event sits in it (``Position``).
///
/// What the provider said (`provider`) and what Herald itself explains (`explanation`: a gate's "not a number in the GB
/// numbering plan", a cancel) are separate fields, decided once by ``EventSource/speaksForProvider``.
public struct EventJSON: JSONWritable {
    /// What a surface adds to the event.
    public enum Position {
        /// The account's feed: the cursor to resume after this event.
        case feed(cursor: String)
        /// A message's timeline: what the event did to the status (``MessageLedger`` effect).
        case timeline(effect: String)
        /// A status callback: the account, the per-message sequence, and the message's recipient, tag and campaign.
        case callback(Callback)
    }

    public struct Callback: Sendable {
        public var accountID: String
        public var sequence: Int64
        public var to: String
        public var tag: String?
        public var campaignID: String?

        public init(accountID: String, sequence: Int64, to: String, tag: String?, campaignID: String?) {
            self.accountID = accountID
            self.sequence = sequence
            self.to = to
            self.tag = tag
            self.campaignID = campaignID
        }
    }

    public var event: StatusEvent
    public var vocabulary: Vocabulary
    public var position: Position

    public init(_ event: StatusEvent, vocabulary: Vocabulary, position: Position) {
        self.event = event
        self.vocabulary = vocabulary
        self.position = position
    }

    /// `message.status` or `message.engagement`.
    public static func type(of kind: EventKind) -> String {
        if case .engagement = kind { return "message.engagement" }
        return "message.status"
    }

    public func write(to writer: inout JSONWriter) {
        let event = event
        writer.object { writer in
            writer.field("id", event.id)
            writer.field("type", Self.type(of: event.kind))
            writer.field("event", event.kind.rawValue)
            writer.field("message_id", event.messageID)
            if let status = event.kind.assertedStatus {
                writer.field("status", vocabulary.word(for: status, reason: event.effectiveReason))
                writer.field("canonical_status", status.rawValue)
            }
            writer.field("vocabulary", vocabulary.rawValue)
            writer.optionalField("part", event.part)
            writer.optionalField("reason", ReasonJSON(event.effectiveReason))
            writer.field("source", event.source.rawValue)
            writer.field("occurred_at", Timestamp.format(event.occurredAt))
            writer.field("recorded_at", Timestamp.format(event.recordedAt))
            writer.optionalField("connector", event.connector)
            writer.optionalField("provider_message_id", event.providerMessageID)
            writer.optionalField("attempt", event.attempt)
            writer.optionalField("next_attempt_at", event.nextAttemptAt.map(Timestamp.format))
            if event.source.speaksForProvider {
                writer.optionalField("provider", event.detail)
            } else {
                writer.optionalField("explanation", event.detail?.explanation)
            }
            switch position {
            case .feed(let cursor):
                writer.field("cursor", cursor)
            case .timeline(let effect):
                writer.field("effect", effect)
            case .callback(let callback):
                writer.field("account_id", callback.accountID)
                writer.field("sequence", Int(callback.sequence))
                writer.field("to", callback.to)
                writer.optionalField("tag", callback.tag)
                writer.optionalField("campaign_id", callback.campaignID)
            }
        }
    }

    /// The event as one JSON document (a callback's body).
    public var json: String {
        var writer = JSONWriter(capacity: 768)
        write(to: &writer)
        return writer.buffer.getString(at: writer.buffer.readerIndex, length: writer.buffer.readableBytes) ?? "{}"
    }
}
