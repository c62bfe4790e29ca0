import HeraldCore
import Testing

@Suite("Inbound keywords")
struct KeywordTests {
    @Test("Opt-out, opt-in and help words, alone, any case and punctuation", arguments: [
        ("STOP", Keyword.optOut(allSenders: false)), ("stop", .optOut(allSenders: false)), (" Stop. ", .optOut(allSenders: false)),
        ("UNSUBSCRIBE", .optOut(allSenders: false)), ("cancel", .optOut(allSenders: false)), ("End", .optOut(allSenders: false)),
        ("QUIT", .optOut(allSenders: false)), ("revoke", .optOut(allSenders: false)), ("opt out", .optOut(allSenders: false)),
        ("Opt-Out", .optOut(allSenders: false)), ("STOPALL", .optOut(allSenders: true)), ("start", .optIn), ("UNSTOP", .optIn),
        ("help!", .help),
    ])
    func keywords(text: String, expected: Keyword) {
        #expect(Keyword(text: text) == expected)
    }

    @Test("Sentences that contain a keyword are ordinary messages", arguments: ["Please stop sending offers", "stop it now", "STOPS", "helpful", ""])
    func notKeywords(text: String) {
        #expect(Keyword(text: text) == nil)
    }
}
