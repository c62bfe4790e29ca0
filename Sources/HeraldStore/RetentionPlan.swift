import HeraldCore

/// What redaction empties, table by table: decided once for both stores. Each table's ids are time-ordered, so a
/// range of ids is a range of time, and a sweep resumes after the last id it did (`retention_marks`).
public enum RetentionPlan {
    public struct Redaction: Sendable {
        /// The mark's name.
        public var kind: String
        public var table: String
        /// The kind of the table's ids (the cutoff becomes the lowest id of that time).
        public var idKind: HeraldID.Kind
        /// What the SQL sets.
        public var set: String
        /// More conditions on the rows (`AND ...`), empty for none.
        public var only: String
    }

    public static let redactions: [Redaction] = [
        Redaction(kind: "messages", table: "messages", idKind: .message, set: "body = '', subject = NULL, html = NULL, email_options = NULL", only: ""),
        // A delivery still being tried keeps its body (it is sent as it is).
        Redaction(kind: "deliveries", table: "webhook_deliveries", idKind: .delivery, set: "payload = ''", only: " AND state <> 'pending'"),
        Redaction(kind: "inbound", table: "inbound", idKind: .inbound, set: "body = ''", only: ""),
    ]

    /// What redaction empties in the timeline of each redacted message: the provider's free text (an SMPP receipt's
    /// `text:` quotes the first 20 characters of the message; SMTP replies and provider messages can name the
    /// recipient). The provider's status word and error codes stay, with the reason.
    public static let eventRedaction = (set: "detail_text = NULL", only: " AND detail_text IS NOT NULL")

    /// Provider evidence, deleted after the operator's evidence period whatever the account (`herald serve
    /// --evidence-retention-days`): HTTP providers' webhooks as they arrived, and receipts as they arrived (parked ones
    /// that never matched; what a matched one said is in its message's timeline). Ids are time-ordered by arrival.
    public static let evidence: [(table: String, idKind: HeraldID.Kind)] = [
        ("provider_webhooks", .providerWebhook),
        ("receipts", .receipt),
    ]
}
