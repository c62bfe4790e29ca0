import Foundation
import HeraldCore

/// The dispatch queue as the ``Dispatcher`` sees it: lease due messages, record what the providers said, keep leases alive.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol DispatchStore: Sendable {
    /// Leases up to `limit` due messages to `owner` until `leaseUntil` and records SENDING (and QUEUED for
    /// scheduled ones). A lease that ran out (its worker died) is claimable again. Safe with several
    /// workers and several processes.
    func claim(owner: String, limit: Int, now: Date, leaseUntil: Date) async throws -> [DispatchJob]
    /// Appends events and correlations and updates queue entries, all in one transaction; derives status.
    /// Receipts parked for a new correlation are applied in the same transaction.
    func record(_ changes: [MessageChange]) async throws
    /// Extends every lease `owner` holds to `until` (a live worker whose submits are still in flight keeps its
    /// messages; only a dead worker's leases run out). Returns how many.
    @discardableResult
    func renewLeases(owner: String, until: Date) async throws -> Int
    /// How many messages a claim takes when the dispatcher is not told: a single-writer store keeps its transactions
    /// short (an accept waits behind them), a store with concurrent writers prefers fewer, larger set-based statements.
    var claimBatchSize: Int { get }
    /// The queue for operators: how many messages it holds (due or not), and since when the oldest due one is due
    /// (nil: nothing is due).
    func queueStats(now: Date) async throws -> (depth: Int, oldestDue: Date?)
    /// Calls `handler` whenever any process sharing the database commits newly queued messages (several nodes on one
    /// PostgreSQL: LISTEN / NOTIFY), so every node's dispatcher wakes, not only the accepting one's. Register before the
    /// store runs. A store one process owns (SQLite) never calls it: the accepting process wakes its own dispatcher.
    func onQueuedWork(_ handler: @escaping @Sendable () -> Void)
}

extension DispatchStore {
    public var claimBatchSize: Int { 256 }
}
