import GRDB
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
/// Each write runs in a savepoint of its own: one that throws is undone alone and its caller gets the error, the
/// others commit. Every caller is answered only after the commit (durability is unchanged: what was acknowledged is
/// on disk). If the commit itself fails, every write of the transaction gets that error.
final class WriterPipeline: Sendable {
    /// One queued write: runs inside the shared transaction, is told if the commit failed.
    private struct Entry: Sendable {
        var run: @Sendable (Database) -> Void
        var fail: @Sendable (any Error) -> Void
    }

    private struct Waiter {
        var entry: Entry
        /// Resumed with true when this caller is to lead the next transaction, false when its write is done.
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var writing = false
        var queue: [Waiter] = []
    }

    private let pool: DatabasePool
    private let state = Mutex(State())
    /// Most writes one transaction carries (the rest lead the next).
    private let maxWrites: Int

    init(pool: DatabasePool, maxWrites: Int = 128) {
        self.pool = pool
        self.maxWrites = maxWrites
    }

    /// Runs `body` in the next write transaction (in a savepoint of its own) and returns its result after the commit.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let outcome = Outcome<T>()
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
            fail: { error in outcome.result = .failure(error) }
        )
        let leads = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let first = state.withLock { state -> Bool in
                if state.writing {
                    state.queue.append(Waiter(entry: entry, continuation: continuation))
                    return false
                }
                state.writing = true
                return true
            }
            if first { continuation.resume(returning: true) }
        }
        if leads { await lead(with: entry) }
        return try outcome.result!.get()
    }

    /// Writes `own` and everything queued (up to the cap) in one transaction, answers the followers, and hands the lead
    /// to the first caller still waiting.
    private func lead(with own: Entry) async {
        let followers = state.withLock { state -> [Waiter] in
            let count = min(state.queue.count, maxWrites - 1)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        let entries = [own] + followers.map(\.entry)
        do {
            try await pool.write { db in
                for entry in entries { entry.run(db) }
            }
        } catch {
            for entry in entries { entry.fail(error) }
        }
        for follower in followers { follower.continuation.resume(returning: false) }
        let next = state.withLock { state -> Waiter? in
            guard !state.queue.isEmpty else {
                state.writing = false
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.continuation.resume(returning: true)
    }
}

/// A write's result, set on the writer's thread inside the transaction (or by the failed commit) and read by its
/// caller after being resumed, which happens after.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
