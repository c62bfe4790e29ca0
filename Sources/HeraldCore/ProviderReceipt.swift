import struct Foundation.Date

/// A delivery report as a connector hands it to the ingestion path, before correlation.
public struct ProviderReceipt: Sendable, Hashable {
    public var connector: String
    public var providerMessageID: String
    public var kind: EventKind
    public var reason: ReasonCode?
    public var occurredAt: Date
    public var receivedAt: Date
    public var detail: ProviderDetail?

    public init(connector: String, providerMessageID: String, kind: EventKind, reason: ReasonCode? = nil, occurredAt: Date, receivedAt: Date, detail: ProviderDetail? = nil) {
        self.connector = connector
        self.providerMessageID = providerMessageID
        self.kind = kind
        self.reason = reason
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.detail = detail
    }

    /// Two copies of the same receipt share this key, so the second is recorded once only.
    public var dedupKey: String {
        "rcpt:\(connector):\(providerMessageID):\(kind.rawValue):\(reason?.rawValue ?? "-"):\(detail?.errorCode ?? "-"):\(occurredAt.timeIntervalSince1970)"
    }

    /// The event this receipt becomes once it is matched to a part.
    /// `round` is the retry round of the submission the receipt answers (kept with its correlation).
    public func event(messageID: String, part: Int, round: Int = 0) -> StatusEvent {
        StatusEvent(
            messageID: messageID, part: part, kind: kind, reason: reason, source: .receipt, occurredAt: occurredAt,
            recordedAt: receivedAt, connector: connector, providerMessageID: providerMessageID, detail: detail,
            dedupKey: dedupKey, round: round
        )
    }
}
