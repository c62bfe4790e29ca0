import HeraldStore

/// Group commit for the accept path: concurrent sends share one store transaction.
///
/// The first caller becomes the leader and writes its messages at once (no added latency when idle). Callers
/// arriving while a write is in flight queue up; when it ends, the first of them leads the next write with
/// everything queued. Under load, one transaction carries many requests, which is what makes thousands of
/// single sends per second possible on SQLite's single writer and saves round trips on PostgreSQL.
/// Each caller still gets its answer only after its messages are committed.
///
/// The store screens each group (opt-out and duplicate gates) inside its write transaction, so a gate's reads cost
/// one query per group rather than per request, and no concurrent accept slips between a check and its insert.
actor AcceptGroupCommit {
    typealias Stored = (outcome: AcceptOutcome, message: NewMessage)

    private enum Turn {
        case done(Result<[Stored], any Error>)
        case lead
    }

    private struct Waiter {
        var messages: [NewMessage]
        var continuation: CheckedContinuation<Turn, Never>
    }

    private let store: any MessageStore
    private let maxMessages: Int
    private let screening: @Sendable () -> Screening
    private var queue: [Waiter] = []
    private var writing = false

    init(store: any MessageStore, maxMessages: Int = 4096, screening: @escaping @Sendable () -> Screening = { .none }) {
        self.store = store
        self.maxMessages = maxMessages
        self.screening = screening
    }

    /// Stores the messages (after the gates) and returns what was stored for each, in order.
    func accept(_ messages: [NewMessage]) async throws -> [Stored] {
        if writing {
            let turn = await withCheckedContinuation { queue.append(Waiter(messages: messages, continuation: $0)) }
            if case .done(let result) = turn { return try result.get() }
        }
        writing = true
        // Lead: this caller's messages plus queued callers', up to the cap.
        var followers: [Waiter] = []
        var count = messages.count
        while let next = queue.first, count + next.messages.count <= maxMessages {
            followers.append(queue.removeFirst())
            count += next.messages.count
        }
        let all = followers.reduce(into: messages) { $0 += $1.messages }
        let result: Result<[Stored], any Error>
        do {
            result = .success(try await store.accept(all, screening: screening()))
        } catch {
            result = .failure(error)
        }
        var offset = messages.count
        for follower in followers {
            let slice = result.map { Array($0[offset..<offset + follower.messages.count]) }
            offset += follower.messages.count
            follower.continuation.resume(returning: .done(slice))
        }
        if queue.isEmpty {
            writing = false
        } else {
            queue.removeFirst().continuation.resume(returning: .lead)
        }
        return try result.map { Array($0.prefix(messages.count)) }.get()
    }
}
