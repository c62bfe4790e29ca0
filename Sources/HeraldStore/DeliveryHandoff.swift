import Foundation
import Synchronization

/// Hands the deliveries a committed transaction owes straight to the callback sender of the same process, so a status
/// change reaches its endpoint without the sender finding it in the database first.
///
/// While a sender is attached, stores lease new deliveries to it for ``lease`` and pass them on after the commit; if
/// the process dies first, the lease runs out and any sender claims them. Without one (a CLI process writing to the
/// database, or after the sender stopped) they are stored due now for whichever sender claims them.
public final class DeliveryHandoff: Sendable {
    private struct Receiver {
        var lease: TimeInterval
        var take: @Sendable ([WebhookDelivery]) -> Void
    }

    private let receiver = Mutex<Receiver?>(nil)

    public init() {}

    /// The sender takes what stores hand off from now on (`take` must not block: it runs after each commit).
    public func attach(lease: TimeInterval, _ take: @escaping @Sendable ([WebhookDelivery]) -> Void) {
        receiver.withLock { $0 = Receiver(lease: lease, take: take) }
    }

    public func detach() {
        receiver.withLock { $0 = nil }
    }

    /// Until when a transaction starting now leases what it owes to the attached sender (nil: none attached).
    public func leaseUntil(now: Date) -> Date? {
        receiver.withLock { $0.map { now.addingTimeInterval($0.lease) } }
    }

    /// Passes committed deliveries on. Leased ones whose sender has gone meanwhile wait for their lease to run out.
    public func deliver(_ deliveries: [WebhookDelivery]) {
        let leased = deliveries.filter { $0.leaseUntil != nil }
        guard !leased.isEmpty, let take = receiver.withLock({ $0?.take }) else { return }
        take(leased)
    }
}
