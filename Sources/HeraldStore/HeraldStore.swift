import Foundation
import HeraldCore
import ServiceLifecycle

/// The one storage contract Herald runs on; SQLite (embedded) and PostgreSQL (many nodes) implement it.
///
/// Every method is one transaction. Status is never written directly: callers append events and the
/// store derives part and message status with ``MessageLedger`` in the same transaction. The contract is the sum of
/// small roles (``AccountStore``, ``MessageStore``, ``DispatchStore``, ``ReceiptStore``, ``SuppressionStore``,
/// ``WebhookStore``, ``TemplateStore``, ``CampaignStore``, ``InboundStore``); each part of Herald takes the roles it uses.
public protocol HeraldStore: Service, AccountStore, MessageStore, DispatchStore, ReceiptStore, SuppressionStore, WebhookStore, TemplateStore, CampaignStore, InboundStore, ProviderWebhookStore, AnalyticsStore, RetentionStore {
    /// Creates or upgrades the schema (versioned migrations).
    func migrate() async throws
    /// Whether the database holds Herald's schema (any version): commands other than `serve` and `migrate` refuse one without.
    func hasSchema() async throws -> Bool

    /// Keeps connections open until graceful shutdown (a `Service` of the server's group).
    /// Closes connections.
    func close() async throws
}

extension ReceiptStore {
    /// Applies receipts as they come, never retrying.
    public func ingest(_ receipts: [ProviderReceipt]) async throws -> [ReceiptOutcome] {
        try await ingest(receipts, retry: .none)
    }
}

extension MessageStore {
    /// Stores messages without screening.
    public func accept(_ messages: [NewMessage]) async throws -> [AcceptOutcome] {
        try await accept(messages, screening: .none).map(\.outcome)
    }
}

extension AccountStore {
    /// The account of the key with this SHA-256, if any.
    public func account(forKeyHash hash: String) async throws -> Account? {
        try await authenticate(keyHash: hash)?.account
    }
}
