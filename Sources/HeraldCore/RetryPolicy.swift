import struct Foundation.Date
import struct Foundation.TimeInterval

/// Exponential back-off with jitter for temporary failures, bounded by attempts and validity.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// Fraction of the delay added or removed at random (0.2 = plus or minus 20%).
    public var jitter: Double

    public init(maxAttempts: Int = 6, baseDelay: TimeInterval = 2, maxDelay: TimeInterval = 600, jitter: Double = 0.2) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// When to try again after `attempt` failed, or `nil` when no attempt is left within the validity.
    public func nextAttempt(after attempt: Int, now: Date, expiresAt: Date, random: Double = Double.random(in: -1...1)) -> Date? {
        guard attempt < maxAttempts else { return nil }
        let exponential = min(maxDelay, baseDelay * pow2(attempt - 1))
        let delay = max(0, exponential * (1 + jitter * random))
        let next = now.addingTimeInterval(delay)
        return next < expiresAt ? next : nil
    }

    private func pow2(_ exponent: Int) -> Double {
        Double(1 << min(max(exponent, 0), 30))
    }
}
