import Foundation
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle

/// Applies each account's retention settings: message text (and the provider text in its timeline, its callbacks' and
/// inbound messages' bodies) emptied after `redact_after_days`, final messages deleted after `delete_after_days`; and
/// the operator's: provider evidence deleted after `evidenceAfterDays`. Works in batches of `batch` rows, each
/// its own short write, so the single writer is never held for long; runs every `interval` (default a minute).
public final class RetentionSweeper: Service {
    public typealias Store = AccountStore & RetentionStore

    private let store: any Store
    private let clock: any WallClock
    private let evidenceAfterDays: Int?
    private let interval: Duration
    private let batch: Int
    private let logger: Logger

    /// `evidenceAfterDays`: provider evidence (``RetentionPlan/evidence``) is deleted after that many days; nil keeps it.
    public init(store: any Store, clock: any WallClock = SystemWallClock(), evidenceAfterDays: Int? = nil, interval: Duration = .seconds(60),
                batch: Int = 500, logger: Logger = Logger(label: "herald.retention")) {
        self.store = store
        self.clock = clock
        self.evidenceAfterDays = evidenceAfterDays
        self.interval = interval
        self.batch = batch
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let done = try await sweep()
                if done.redacted + done.deleted + done.evidence > 0 {
                    logger.info("retention applied", metadata: ["redacted": "\(done.redacted)", "deleted": "\(done.deleted)", "evidence": "\(done.evidence)"])
                }
            } catch where !Task.isCancelled {
                logger.error("retention sweep failed; it is tried again at the next sweep", metadata: ["error": "\(error)"])
            } catch {
                return
            }
            // A graceful shutdown ends the wait at once (the interval can be a minute).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// One pass over every account with a retention setting, until nothing is left to do as of now.
    @discardableResult
    public func sweep() async throws -> (redacted: Int, deleted: Int, evidence: Int) {
        var redacted = 0, deleted = 0, evidence = 0
        let now = clock.now()
        for account in try await store.accounts() {
            if let days = account.settings.redactAfterDays {
                redacted += try await drain(before: now.addingTimeInterval(-Double(days) * 86_400)) { try await store.redactMessages(accountID: account.id, before: $0, limit: $1) }
            }
            if let days = account.settings.deleteAfterDays {
                deleted += try await drain(before: now.addingTimeInterval(-Double(days) * 86_400)) { try await store.deleteMessages(accountID: account.id, before: $0, limit: $1) }
            }
        }
        if let days = evidenceAfterDays {
            evidence = try await drain(before: now.addingTimeInterval(-Double(days) * 86_400)) { try await store.deleteEvidence(before: $0, limit: $1) }
        }
        return (redacted, deleted, evidence)
    }

    /// Runs `step` in batches until one does less than a batch.
    private func drain(before cutoff: Date, _ step: (Date, Int) async throws -> Int) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let count = try await step(cutoff, batch)
            total += count
            if count < batch { break }
        }
        return total
    }
}
