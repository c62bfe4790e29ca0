import Foundation

/// A rate limit as a bucket of tokens: it holds at most `capacity`, refills at `rate` a second, and each request takes
/// one. Pure: the caller passes the time.
public struct TokenBucket: Sendable, Hashable {
    public let rate: Double
    public let capacity: Double
    private var tokens: Double
    private var updated: Date

    /// A full bucket refilling at `rate` tokens a second, holding one second of them (at least one).
    public init(rate: Int, now: Date) {
        self.rate = Double(max(rate, 1))
        capacity = Double(max(rate, 1))
        tokens = capacity
        updated = now
    }

    /// Takes a token if there is one: nil. Otherwise how long until there is one (nothing is taken).
    public mutating func take(at now: Date) -> TimeInterval? {
        if now > updated {
            tokens = min(capacity, tokens + now.timeIntervalSince(updated) * rate)
            updated = now
        }
        guard tokens >= 1 else { return (1 - tokens) / rate }
        tokens -= 1
        return nil
    }
}
