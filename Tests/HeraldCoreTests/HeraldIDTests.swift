import Foundation
import HeraldCore
import Testing

@Suite struct HeraldIDTests {
    @Test func anIdTellsWhenItWasMadeToTheMillisecond() throws {
        let made = Date(timeIntervalSince1970: 1_796_384_695.287)
        let id = HeraldID.make(.message, at: made)
        let read = try #require(HeraldID.date(of: id))
        #expect(abs(read.timeIntervalSince(made)) < 0.001)
        #expect(HeraldID.date(of: "not-an-id") == nil)
        #expect(HeraldID.date(of: "msg_short") == nil)
        #expect(HeraldID.date(of: "msg_!!!!!!!!!!ABCDEFGHJKMNPQRS") == nil)
    }
}
