import Synchronization

/// Spaces submits to at most `rate` per second across all sessions of a connector.
///
/// Each caller reserves the next free slot and sleeps until it. No burst after an idle period: carriers
/// count submits per second and answer ESME_RTHROTTLED to anything above the agreed rate.
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
            let slot = max(next, now)
            next = slot + interval
            return slot
        }
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}
