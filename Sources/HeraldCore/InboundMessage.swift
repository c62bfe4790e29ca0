import struct Foundation.Date

/// A message a subscriber sent to one of the account's numbers (SMPP MO `deliver_sm`).
public struct InboundMessage: Sendable, Hashable {
    public var id: String
    public var connector: String
    /// The subscriber (E.164 with `+` when the number was international).
    public var from: String
    /// The account's number or short code the message was sent to.
    public var to: String
    public var text: String
    public var receivedAt: Date
    /// The outbound message this one answers (the last SMS sent to `from`), once linked.
    public var inReplyTo: String?
    /// The account of that outbound message; `nil` while unlinked.
    public var accountID: String?
    /// How it came: SMS keywords (STOP, HELP) apply only to `.sms`. Not stored.
    public var channel: Channel = .sms
    /// The provider's id of the message (a Twilio `MessageSid`, a WhatsApp `wamid`): a provider that sends it again
    /// (its webhook was not acknowledged in time) is recognised, and it is stored and linked once.
    public var providerMessageID: String?
    /// Set by the store when this is a copy of one stored before (under ``providerMessageID``): nothing was written.
    public var isDuplicate = false

    public init(id: String = HeraldID.make(.inbound), connector: String, from: String, to: String, text: String, receivedAt: Date, inReplyTo: String? = nil, accountID: String? = nil) {
        self.accountID = accountID
        self.id = id
        self.connector = connector
        self.from = from
        self.to = to
        self.text = text
        self.receivedAt = receivedAt
        self.inReplyTo = inReplyTo
    }
}

extension InboundMessage {
    /// The REPLIED engagement event this message puts on the outbound message it answers.
    public func replyEvent(on messageID: String) -> StatusEvent {
        StatusEvent(messageID: messageID, kind: .engagement(.replied), source: .receipt, occurredAt: receivedAt, connector: connector,
                    detail: ProviderDetail(text: "reply \(id) from \(from): \(String(text.prefix(160)))"), dedupKey: "reply:\(id)")
    }
}
