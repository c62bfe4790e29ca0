@testable import HeraldSMPP
import Testing

@Suite("Adaptive submit rate (AIMD)")
struct AdaptiveRateTests {
    @Test("no limit until an epoch is mostly throttled; then 80 % of what was sent, recovering per accepted submit")
    func aimd() {
        var rate = AdaptiveRate(ceiling: nil)
        #expect(rate.limit == nil)
        for index in 0..<400 { rate.sent(at: 10 + Double(index) / 400) }  // 400 in the last second
        rate.accepted(at: 10.95)
        rate.throttled(at: 10.96)
        rate.sent(at: 11.06)  // the epoch closes half throttled
        #expect(rate.limit == 320)
        rate.throttled(at: 11.07)
        rate.accepted(at: 11.08)
        rate.accepted(at: 11.09)
        rate.sent(at: 11.2)  // a third throttled: no cut
        #expect(rate.limit == 321)
        for _ in 0..<100 { rate.accepted(at: 11.21) }
        #expect(rate.limit == 371)
    }

    @Test("the configured throughput is a ceiling; far above it the learned limit is dropped")
    func ceiling() {
        var rate = AdaptiveRate(ceiling: 50)
        #expect(rate.limit == 50)
        rate.sent(at: 1)
        rate.throttled(at: 1)
        rate.sent(at: 1.2)
        #expect(rate.limit == 1)
        for _ in 0..<200 { rate.accepted(at: 1.25) }
        #expect(rate.limit == 50)
        for _ in 0..<200 { rate.accepted(at: 1.25) }
        #expect(rate.rate == nil)
    }

    /// Herald sends as fast as its limit allows (1,000/s before it knows better) to a simulated SMSC.
    static func simulate(smscTakes: (_ second: Int, _ count: Int) -> Bool) -> (acceptedPerSecond: Double, throttledShare: Double) {
        var rate = AdaptiveRate(ceiling: nil)
        var now = 0.0, second = 0, sentThisSecond = 0, accepted = 0, throttled = 0
        while now < 30 {
            now += 1 / (rate.limit ?? 1000)
            if Int(now) != second { second = Int(now); sentThisSecond = 0 }
            rate.sent(at: now)
            sentThisSecond += 1
            if smscTakes(second, sentThisSecond) {
                rate.accepted(at: now)
                if now > 20 { accepted += 1 }
            } else {
                rate.throttled(at: now)
                if now > 20 { throttled += 1 }
            }
        }
        return (Double(accepted) / 10, Double(throttled) / Double(max(1, accepted + throttled)))
    }

    @Test("an SMSC that takes 100 a second: the rate settles there, never at zero")
    func settles() {
        let outcome = Self.simulate { _, count in count <= 100 }
        #expect(outcome.acceptedPerSecond > 95, "\(outcome)")
        #expect(outcome.throttledShare < 0.3, "\(outcome)")
    }

    @Test("an SMSC that throttles 30 % at random: no slowing down")
    func random() {
        // Three in ten throttled, spread without a pattern the rate could lock onto (a multiplicative hash of the count).
        var submit: UInt64 = 0
        let outcome = Self.simulate { _, _ in
            submit += 1
            return (submit &* 0x9E37_79B9_7F4A_7C15) >> 32 % 10 >= 3
        }
        #expect(outcome.acceptedPerSecond > 600, "\(outcome)")
    }
}
