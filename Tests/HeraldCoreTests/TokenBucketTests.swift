import Foundation
import HeraldCore
import Testing

@Suite("Token bucket")
struct TokenBucketTests {
    @Test("a full bucket lets a second's worth through, then says how long until the next token")
    func spendsAndRefills() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var bucket = TokenBucket(rate: 4, now: start)
        for _ in 0..<4 { #expect(bucket.take(at: start) == nil) }
        #expect(bucket.take(at: start) == 0.25)
        #expect(bucket.take(at: start.addingTimeInterval(0.25)) == nil)
        #expect(bucket.take(at: start.addingTimeInterval(0.25)) == 0.25)
        // Idle for a minute: never more than a second's worth.
        let later = start.addingTimeInterval(60)
        for _ in 0..<4 { #expect(bucket.take(at: later) == nil) }
        #expect(bucket.take(at: later) != nil)
    }

    @Test("a clock that goes back neither adds nor takes tokens")
    func clockGoingBack() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var bucket = TokenBucket(rate: 1, now: start)
        #expect(bucket.take(at: start) == nil)
        #expect(bucket.take(at: start.addingTimeInterval(-10)) == 1)
    }
}
