import Synchronization

/// Spaces submits across all sessions of a connector: to the configured `throughput`, and to the rate ``AdaptiveRate``
/// learns from the SMSC's throttling.
///
/// Each caller reserves the next free slot and sleeps until it. No burst after an idle period: carriers
/// count submits per second and answer ESME_RTHROTTLED to anything above the agreed rate.
final class ThroughputLimiter: Sendable {
    private struct State {
        var nextSlot: ContinuousClock.Instant
        var adaptive: AdaptiveRate
    }

    private let state: Mutex<State>
    private let origin = ContinuousClock.now

    init(ceiling: Double?) {
        state = Mutex(State(nextSlot: .now, adaptive: AdaptiveRate(ceiling: ceiling)))
    }

    /// The rate submits are spaced by now (nil: none).
    var currentLimit: Double? { state.withLock { $0.adaptive.limit } }

    func wait() async {
        let now = ContinuousClock.now
        let slot = state.withLock { state -> ContinuousClock.Instant? in
            state.adaptive.sent(at: seconds(now))
            guard let rate = state.adaptive.limit else { return nil }
            let slot = max(state.nextSlot, now)
            state.nextSlot = slot + .nanoseconds(Int64(1_000_000_000 / rate))
            return slot
        }
        if let slot, slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }

    func throttled() {
        let now = seconds(.now)
        state.withLock { $0.adaptive.throttled(at: now) }
    }

    func accepted() {
        let now = seconds(.now)
        state.withLock { $0.adaptive.accepted(at: now) }
    }

    private func seconds(_ instant: ContinuousClock.Instant) -> Double {
        let elapsed = instant - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
