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
}
