import struct Foundation.Date

/// A delivery report as a connector hands it to the ingestion path, before correlation.
public struct ProviderReceipt: Sendable, Hashable {
    /// One form of the receipt's provider id under which its submission may have been correlated.
    ///
    /// Carriers write the id in a receipt differently from the submit response: decimal for a hex id, zero-padded,
    /// in another case. The connector lists every plausible form; the store's matcher decides which one is meant.
    public struct MatchKey: Sendable, Hashable {
        /// How this form was derived from the id as received.
        public enum Form: String, Sendable, Hashable, CaseIterable {
            /// The id as written (blanks, case and leading zeros normalised).
            case exact
            /// The id read as a decimal number, written as the hex id of the submit response.
            case decimalOfHex = "decimal_of_hex"
            /// The id read as a hex number, written as the decimal id of the submit response.
            case hexOfDecimal = "hex_of_decimal"
        }

        public var key: String
        public var form: Form

        public init(_ key: String, form: Form = .exact) {
            self.key = key
            self.form = form
        }
    }

    public var connector: String
    /// The id as the connector normalised it (what `GET /v1/receipts/unmatched` shows).
    public var providerMessageID: String
    public var kind: EventKind
    public var reason: ReasonCode?
    public var occurredAt: Date
    public var receivedAt: Date
    public var detail: ProviderDetail?
    /// Every form to look the id up under, most plausible first; never empty (``providerMessageID`` first).
    public var matchKeys: [MatchKey]
    /// Phone numbers the receipt names (SMPP: the deliver_sm's source and destination addresses; one of them is
    /// the handset the message went to). Empty when the provider names none.
    public var addresses: [String]
    /// When the provider says it took the submission (the receipt's `submit date`), if it says.
    public var submittedAt: Date?
    /// What the provider says the message cost (Vonage's `price`, WhatsApp's pricing category), kept next to Herald's price.
    public var price: ProviderPrice?

    public init(connector: String, providerMessageID: String, kind: EventKind, reason: ReasonCode? = nil, occurredAt: Date, receivedAt: Date,
                detail: ProviderDetail? = nil, matchKeys: [MatchKey]? = nil, addresses: [String] = [], submittedAt: Date? = nil) {
        self.connector = connector
        self.providerMessageID = providerMessageID
        self.kind = kind
        self.reason = reason
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.detail = detail
        self.matchKeys = matchKeys ?? [MatchKey(providerMessageID)]
        if self.matchKeys.isEmpty { self.matchKeys = [MatchKey(providerMessageID)] }
        self.addresses = addresses
        self.submittedAt = submittedAt
    }

    /// Two copies of the same receipt share this key, so the second is recorded once only. It names the
    /// correlation the receipt matched (not the id as this copy wrote it) and leaves out the event time: SMSCs
    /// stamp each copy with the time they resend it.
    public func dedupKey(correlatedID: String, round: Int) -> String {
        "rcpt:\(connector):\(correlatedID):\(round):\(kind.rawValue):\(reason?.rawValue ?? "-"):\(detail?.errorCode ?? "-")"
    }

    /// The event this receipt becomes once it is matched to a part of the submission correlated as `correlatedID`
    /// (a negative part: a whole-message submission, whose receipts apply to every part).
    /// `round` is the retry round of the submission the receipt answers (kept with its correlation).
    public func event(messageID: String, part: Int, round: Int = 0, correlatedID: String? = nil) -> StatusEvent {
        StatusEvent(
            messageID: messageID, part: part < 0 ? nil : part, kind: kind, reason: reason, source: .receipt, occurredAt: occurredAt,
            recordedAt: receivedAt, connector: connector, providerMessageID: correlatedID ?? providerMessageID, detail: detail,
            dedupKey: dedupKey(correlatedID: correlatedID ?? providerMessageID, round: round), round: round
        )
    }
}
