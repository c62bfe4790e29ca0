import Foundation

/// Retention (per account settings `redact_after_days`, `delete_after_days`): small batches, each its own short write,
/// so the sweep never holds the writer for long.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol RetentionStore: Sendable {
    /// Empties the text (body, subject, HTML, attachments and headers) of up to `limit` of the account's messages made
    /// before `cutoff`, oldest first, the provider text in their timelines (``RetentionPlan/eventRedaction``), and the
    /// bodies of their account's callback deliveries and inbound messages made before it; status, timeline, reasons and
    /// cost stay. Returns how many messages it redacted (fewer than `limit`:
    /// done up to `cutoff`).
    func redactMessages(accountID: String, before cutoff: Date, limit: Int) async throws -> Int
    /// Deletes up to `limit` of the account's messages made before `cutoff` that are final, with their events, queue
    /// entries, reported prices and provider ids (a later receipt naming one is parked, never applied to another
    /// message), and its callback deliveries and inbound messages made before it. Returns how many messages it deleted.
    func deleteMessages(accountID: String, before cutoff: Date, limit: Int) async throws -> Int
    /// Deletes up to `limit` rows of each kind of provider evidence (``RetentionPlan/evidence``) that arrived before
    /// `cutoff`. Returns how many rows it deleted.
    func deleteEvidence(before cutoff: Date, limit: Int) async throws -> Int
}
