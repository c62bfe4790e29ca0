import Synchronization

/// Spaces submits to at most `rate` per second across all sessions of a connector.
///
/// Each caller reserves the next free slot and sleeps until it; slots never bunch up after an idle
/// period beyond one second's burst.
final class ThroughputLimiter: Sendable {
    private let interval: Duration
    private let nextSlot: Mutex<ContinuousClock.Instant>

    init(rate: Double) {
        interval = .nanoseconds(Int64(1_000_000_000 / rate))
        nextSlot = Mutex(.now)
    }

    func wait() async {
        let now = ContinuousClock.now
        let slot = nextSlot.withLock { next -> ContinuousClock.Instant in
            let earliest = now - .seconds(1)
            let slot = max(next, earliest)
            next = slot + interval
            return slot
        }
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}
