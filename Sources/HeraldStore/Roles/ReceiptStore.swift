import Foundation
import HeraldCore

/// Provider receipts: applied to the part they answer, or parked until their submission is known; the validity timer.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol ReceiptStore: Sendable {
    /// Correlates receipts with message parts and applies them; duplicates are idempotent; unmatched
    /// receipts are parked. A temporary failure is turned into a retry as `retry` decides (``ReceiptRetry``).
    /// `evidence`: the provider requests the receipts came in, kept raw in the same transaction before they are applied.
    func ingest(_ receipts: [ProviderReceipt], evidence: [ProviderWebhookRecord], retry: ReceiptRetry) async throws -> [ReceiptOutcome]
    func unmatchedReceipts(connector: String?, limit: Int) async throws -> [UnmatchedReceipt]
    /// Applies parked receipts whose correlation exists now. Writers that run concurrently (PostgreSQL) can
    /// park a receipt just as its correlation commits; this sweep closes that gap. Never to the message a receipt was
    /// parked away from (its reason names it: a receipt that would flip a finished message waits for a new submission).
    /// Returns how many it applied.
    func rematchParked(limit: Int) async throws -> Int

    /// Records EXPIRED (UNKNOWN_OUTCOME) from the timer for up to `limit` messages past their validity
    /// with no final status, and removes their queue entries. Returns how many.
    func expire(now: Date, limit: Int) async throws -> Int
    /// How many receipts one ingest takes when the ingestor is not told (see ``DispatchStore/claimBatchSize``).
    var ingestBatchSize: Int { get }
}

extension ReceiptStore {
    public var ingestBatchSize: Int { 1000 }

    /// Receipts that came with no request to keep (SMPP, e-mail bounces, tracked links).
    public func ingest(_ receipts: [ProviderReceipt], retry: ReceiptRetry) async throws -> [ReceiptOutcome] {
        try await ingest(receipts, evidence: [], retry: retry)
    }
}
