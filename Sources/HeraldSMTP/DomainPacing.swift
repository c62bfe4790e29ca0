import Synchronization

/// At most `rate` messages a second to one recipient domain (mailbox providers throttle senders per domain): each
/// message gets the next free slot of its domain, `1/rate` after the previous one. Pure schedule, clock given in
/// seconds; the connector sleeps until the slot.
struct DomainPacing: Sendable {
    let rate: Double
    private var next: [String: Double] = [:]

    init(rate: Double) { self.rate = rate }

    /// How long to wait from `now` before sending to `domain`, taking that slot.
    mutating func delay(for domain: String, now: Double) -> Double {
        let slot = max(now, next[domain] ?? now)
        next[domain] = slot + 1 / rate
        if next.count > 10_000 { next = next.filter { $0.value > now } }
        return slot - now
    }
}
