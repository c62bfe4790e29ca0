import HeraldMetrics
import GRDB
import HeraldStore
import Synchronization

/// SQLite's one writer pipeline: every write of the store goes through here, and the writes that arrive while a
/// transaction is being committed go together into the next one.
///
/// SQLite has a single writer, and what a commit costs (appending each page it changed to the WAL, taking and
/// releasing the write lock, a hop to the writer's thread) does not depend on how much the transaction did. Accepts,
/// claims, dispatch outcomes, receipts and callback attempts each arrive in their own batches, many times a second;
/// here those of the last few milliseconds share one transaction. The first write when idle goes at once (no added
/// latency); under load one commit carries everything that queued meanwhile.
///
/// The pipeline is driven from the writer's own queue: when a transaction ends, the next one is queued before any
/// caller is resumed, so the writer never waits for a caller's task to be scheduled (on a loaded machine the
/// cooperative pool can take longer than a transaction).
///
/// Each write runs in a savepoint of its own: one that throws is undone alone and its caller gets the error, the
/// others commit. Every caller is answered only after the commit (durability is unchanged: what was acknowledged is
/// on disk). If the commit itself fails, every write of the transaction gets that error.
final class WriterPipeline: Sendable {
    /// One queued write: runs inside the shared transaction, is told if the commit failed, and is resumed after.
    private struct Entry: Sendable {
        var run: @Sendable (Database) -> Void
        var fail: @Sendable (any Error) -> Void
        var resume: @Sendable () -> Void
    }

    private struct State {
        var writing = false
        var queue: [Entry] = []
        /// Writes a caller is waiting on to answer a request (accepts): they go in the next transaction on their own.
        var urgent: [Entry] = []
        /// Urgent-only transactions in a row while other writes waited: after ``maxUrgentInARow`` the next one takes
        /// the others too (never starved).
        var urgentInARow = 0
    }

    private let pool: DatabasePool
    private let state = Mutex(State())
    /// Urgent-only transactions in a row before the other writes get their turn.
    static let maxUrgentInARow = 3
    /// Most writes one transaction carries (the rest go in the next).
    private let maxWrites: Int

    init(pool: DatabasePool, maxWrites: Int = 128) {
        self.pool = pool
        self.maxWrites = maxWrites
    }

    /// Runs `body` in the next write transaction (in a savepoint of its own) and returns its result after the commit.
    /// `urgent`: an API request waits on it (an accept's 202): the next transaction carries only urgent writes, so the
    /// request waits for the transaction in flight and its own, not for a claim, a record and an ingest queued before it.
    /// At most ``maxUrgentInARow`` in a row while other writes wait; then a transaction carries everything queued.
    func write<T: Sendable>(urgent: Bool = false, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let entry = Entry(
                run: { db in
                    outcome.result = Result {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        return value!
                    }
                },
                fail: { error in outcome.result = .failure(error) },
                resume: { continuation.resume() }
            )
            let start = state.withLock { state -> Bool in
                if urgent { state.urgent.append(entry) } else { state.queue.append(entry) }
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if start { writeNext() }
        }
        return try outcome.result!.get()
    }

    /// Writes waiting for the next transaction (tests wait on it).
    var queuedCount: Int { state.withLock { $0.queue.count + $0.urgent.count } }

    /// Writes what is queued (up to the cap) in one transaction; when it ends, queues the next and resumes the callers.
    private func writeNext() {
        let batch = state.withLock { state -> [Entry] in
            let urgentCount = min(state.urgent.count, maxWrites)
            var batch = Array(state.urgent.prefix(urgentCount))
            state.urgent.removeFirst(urgentCount)
            if urgentCount > 0, !state.queue.isEmpty, state.urgentInARow < Self.maxUrgentInARow {
                state.urgentInARow += 1
                return batch
            }
            state.urgentInARow = 0
            let count = min(state.queue.count, maxWrites - urgentCount)
            batch += state.queue.prefix(count)
            state.queue.removeFirst(count)
            if batch.isEmpty { state.writing = false }
            return batch
        }
        guard !batch.isEmpty else { return }
        let started = ContinuousClock.now
        pool.asyncWrite({ db in
            for entry in batch { entry.run(db) }
        }, completion: { _, result in
            let elapsed = ContinuousClock.now - started
            HeraldMetrics.storeTransaction(nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000,
                                           writes: batch.count)
            if case .failure(let error) = result {
                for entry in batch { entry.fail(error) }
            }
            self.writeNext()
            for entry in batch { entry.resume() }
        })
    }
}

/// A write's result, set on the writer's thread inside the transaction (or by the failed commit) and read by its
/// caller after being resumed, which happens after.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
