/// The submit rate a connector keeps to when its SMSC throttles: additive increase, multiplicative decrease (AIMD).
///
/// Pure: times are seconds on any monotonic clock, passed in. Answers are counted per ``epoch`` (100 ms); an epoch in
/// which at least half the answers were ESME_RTHROTTLED / ESME_RMSGQFUL cuts the rate to 80 % (the first time, 80 % of
/// what was being sent), and every accepted submit adds ``increase`` per second. Against an SMSC that throttles above
/// a fixed rate this settles at that rate (a simulated 100/s SMSC: 100/s accepted, a fifth of submits throttled);
/// against one that throttles a share of submits at random it never slows down (those are simply sent again). Throttled submits are sent again by the connector (they never
/// reached the SMSC's queue), so the rate shapes traffic without losing anything or using an attempt.
struct AdaptiveRate: Sendable, Hashable {
    /// The learned rate in submits per second; nil until the SMSC first asks to slow down.
    private(set) var rate: Double?
    /// The configured `throughput` (nil: none): the rate never goes above it.
    let ceiling: Double?
    static let epoch = 0.1
    static let decrease = 0.8
    static let increase = 0.5
    static let minimum = 1.0
    /// Above this the limit is lifted again (as good as none).
    static let maximum = 100_000.0

    private var epochStart = 0.0
    private var epochAccepted = 0
    private var epochThrottled = 0
    /// Submits in each of the last ten 100 ms buckets, to know the rate being sent when the first throttle comes.
    private var buckets = [Int](repeating: 0, count: 10)
    private var bucketStart = 0.0

    init(ceiling: Double?) {
        self.ceiling = ceiling
    }

    /// The rate to space submits by now: the learned one under the ceiling, or nil for no limit.
    var limit: Double? {
        switch (rate, ceiling) {
        case let (rate?, ceiling?): min(rate, ceiling)
        case let (rate?, nil): rate
        case let (nil, ceiling): ceiling
        }
    }

    mutating func sent(at now: Double) {
        advance(to: now)
        buckets[buckets.count - 1] += 1
    }

    mutating func throttled(at now: Double) {
        advance(to: now)
        epochThrottled += 1
    }

    mutating func accepted(at now: Double) {
        advance(to: now)
        epochAccepted += 1
        guard let current = rate else { return }
        let next = current + Self.increase
        rate = next >= Self.maximum || (ceiling.map { next >= $0 * 2 } ?? false) ? nil : next
    }

    /// Closes the epoch that ended before `now`: mostly throttled, the rate is cut.
    private mutating func closeEpoch(at now: Double) {
        guard now - epochStart >= Self.epoch else { return }
        if epochThrottled > 0, epochThrottled * 2 >= epochThrottled + epochAccepted {
            let current = rate ?? max(Self.minimum, Double(buckets.reduce(0, +)))
            rate = max(Self.minimum, current * Self.decrease)
        }
        epochStart = now
        epochAccepted = 0
        epochThrottled = 0
    }

    /// Slides the buckets so the last one is the 100 ms that holds `now`.
    private mutating func advance(to now: Double) {
        closeEpoch(at: now)
        let steps = Int((now - bucketStart) / 0.1)
        guard steps > 0 else { return }
        if steps >= buckets.count {
            buckets = [Int](repeating: 0, count: buckets.count)
        } else {
            buckets.removeFirst(steps)
            buckets += [Int](repeating: 0, count: steps)
        }
        bucketStart += Double(steps) * 0.1
    }
}
