import Foundation

/// When a failed callback is tried again: 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h, 8 h (with
/// +-10 % jitter), 12 retries spanning about 32 hours; then the delivery is `failed` (a manual re-send still works).
public struct WebhookSchedule: Sendable, Hashable {
    public var delays: [TimeInterval]
    public var jitter: Double

    public init(delays: [TimeInterval] = [10, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 28_800, 28_800], jitter: Double = 0.1) {
        self.delays = delays
        self.jitter = jitter
    }

    /// After the `attempt`-th attempt failed (1 for the first), when to try again; nil when the schedule is over.
    public func next(after attempt: Int, now: Date, random: Double = Double.random(in: -1...1)) -> Date? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        return now.addingTimeInterval(delays[attempt - 1] * (1 + jitter * random))
    }

    /// A failure at an endpoint that answered with a 2xx less than this long ago is the endpoint being busy, not down.
    public static let busyWindow: TimeInterval = 5
    /// How soon a callback that failed at a busy endpoint is tried again.
    public static let busyRetry: TimeInterval = 1

    /// After the `attempt`-th attempt failed: when to try again (nil: the schedule is over) and whether the endpoint
    /// counts as down (its other callbacks then wait for that time too). An endpoint that answered with a 2xx within
    /// ``busyWindow`` is busy, not down (a refused connection under a burst, a 503 from an overloaded receiver): the
    /// callback is tried again after ``busyRetry`` and the others go on.
    public func next(after attempt: Int, now: Date, lastSuccess: Date?, random: Double = Double.random(in: -1...1)) -> (at: Date, endpointDown: Bool)? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        if let lastSuccess, now.timeIntervalSince(lastSuccess) < Self.busyWindow {
            return (now.addingTimeInterval(Self.busyRetry), false)
        }
        return next(after: attempt, now: now, random: random).map { ($0, true) }
    }

    /// Hours from the first attempt to the last retry (without jitter).
    public var span: TimeInterval { delays.reduce(0, +) }
}
