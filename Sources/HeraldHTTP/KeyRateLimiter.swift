import Foundation
import HeraldCore
import HeraldStore
import Synchronization

/// Each key's request rate on this node: one ``TokenBucket`` per key that has a `rate_limit`.
public final class KeyRateLimiter: Sendable {
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Nil when the key may make this request now; otherwise the whole seconds to wait (`Retry-After`).
    func admit(_ key: APIKey) -> Int? {
        guard let limit = key.rateLimit else { return nil }
        let time = now()
        let wait: TimeInterval? = buckets.withLock { buckets in
            var bucket = buckets[key.id].flatMap { $0.rate == Double(max(limit, 1)) ? $0 : nil } ?? TokenBucket(rate: limit, now: time)
            let wait = bucket.take(at: time)
            buckets[key.id] = bucket
            return wait
        }
        return wait.map { max(1, Int($0.rounded(.up))) }
    }
}
