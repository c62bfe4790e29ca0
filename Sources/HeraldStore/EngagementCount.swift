import struct Foundation.Date
import HeraldCore

/// How often a message's recipient opened it or clicked in it, with the first and last time: every fetch of the open
/// pixel and every tracked click counts (the timeline keeps the first of each as its OPENED or CLICKED event; repeats
/// are that event's duplicates). Counted in the same transaction that records the receipt.
public struct EngagementCount: Sendable, Hashable {
    public var engagement: Engagement
    public var count: Int
    public var firstAt: Date
    public var lastAt: Date

    public init(engagement: Engagement, count: Int, firstAt: Date, lastAt: Date) {
        self.engagement = engagement
        self.count = count
        self.firstAt = firstAt
        self.lastAt = lastAt
    }

    /// The engagements counted: opens and clicks, which recipients repeat. READ, REPLIED and COMPLAINED are not: a
    /// provider that sends them again sends the same one again.
    public static let kinds: Set<Engagement> = [.opened, .clicked]

    /// The engagement a matched receipt adds one to, if it is counted.
    public static func counted(_ receipt: ProviderReceipt) -> Engagement? {
        guard case .engagement(let engagement) = receipt.kind, kinds.contains(engagement) else { return nil }
        return engagement
    }

    /// Whether a message with this engagement can have counts (its first open or click recorded): a read is needed.
    public static func mayHaveCounts(_ engagement: Set<Engagement>) -> Bool { !engagement.isDisjoint(with: kinds) }
}
