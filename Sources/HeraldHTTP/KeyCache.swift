import Foundation
import HeraldStore
import ServiceLifecycle
import Synchronization

/// Authenticated keys for the hot path, without a database read per request, and still never trusted after a
/// revocation: every entry carries the generation it was read in, and the generation moves on at once when this node
/// revokes a key, closes an account or changes its settings, and within ``pollInterval`` when any other process does
/// (``run()`` watches the database's count of revocations). An entry is also read again after a minute.
public final class KeyCache: Service, Sendable {
    struct Entry {
        var account: Account
        var key: APIKey
        var generation: UInt64
        var readAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: UInt64 = 0
        var revocations: Int?
    }

    private let state = Mutex(State())
    private let store: (any AccountStore)?
    public let pollInterval: Duration

    /// `store`: where ``run()`` watches for revocations by other processes (nil: only this node's own changes count).
    public init(store: (any AccountStore)? = nil, pollInterval: Duration = .milliseconds(200)) {
        self.store = store
        self.pollInterval = pollInterval
    }

    /// The enabled account and unrevoked key whose secret has this SHA-256: from the cache while it is good, else read
    /// from the store and remembered. The one way the API and the dashboard authenticate a key.
    public func authenticate(keyHash hash: String, store: any AccountStore) async throws -> (account: Account, key: APIKey)? {
        if let (account, key) = lookup(hash) { return (account, key) }
        let generation = self.generation
        guard let (account, key) = try await store.authenticate(keyHash: hash) else { return nil }
        remember(hash, account: account, key: key, readIn: generation)
        return (account, key)
    }

    /// The account and key cached for this hash, if still good.
    func lookup(_ hash: String) -> (Account, APIKey)? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[hash], entry.generation == state.generation, now - entry.readAt < .seconds(60) else { return nil }
            return (entry.account, entry.key)
        }
    }

    /// Keeps what the database said for this hash, unless the generation moved while it was read.
    func remember(_ hash: String, account: Account, key: APIKey, readIn generation: UInt64) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard generation == state.generation else { return }
            if state.entries.count >= 100_000 { state.entries.removeAll() }
            state.entries[hash] = Entry(account: account, key: key, generation: generation, readAt: now)
        }
    }

    var generation: UInt64 { state.withLock { $0.generation } }

    /// Forgets everything: a key, an account or its settings changed.
    public func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    /// Watches the database's revocation count; a change (another node, the CLI) invalidates the cache.
    public func run() async throws {
        guard let store else { return }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if let count = try? await store.revocationCount() {
                let changed = state.withLock { state -> Bool in
                    defer { state.revocations = count }
                    return state.revocations != nil && state.revocations != count
                }
                if changed { invalidate() }
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
