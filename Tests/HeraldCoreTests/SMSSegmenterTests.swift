import HeraldCore
import Testing

@Suite("SMS segmentation")
struct SMSSegmenterTests {
    let segmenter = SMSSegmenter()

    @Test("160 GSM-7 characters fit one part, 161 need two of at most 153")
    func gsmBoundary() {
        let one = segmenter.segment(String(repeating: "a", count: 160))
        #expect(one.encoding == .gsm7)
        #expect(one.segments == 1)
        let two = segmenter.segment(String(repeating: "a", count: 161))
        #expect(two.segments == 2)
        #expect(two.parts.map(\.count) == [153, 8])
    }

    @Test("extension characters count two septets and an escape pair is never split")
    func escapePairAtBoundary() {
        #expect(segmenter.segment(String(repeating: "€", count: 80)).segments == 1)
        #expect(segmenter.segment(String(repeating: "€", count: 81)).segments == 2)
        // 152 septets then '€' (2 septets): the euro moves whole to the second part.
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "b", count: 10)
        let result = segmenter.segment(text)
        #expect(result.encoding == .gsm7)
        #expect(result.parts[0] == String(repeating: "a", count: 152))
        #expect(result.parts[1].hasPrefix("€"))
    }

    @Test("70 UCS-2 units fit one part, 71 need two of at most 67")
    func ucs2Boundary() {
        let one = segmenter.segment(String(repeating: "ж", count: 70))
        #expect(one.encoding == .ucs2)
        #expect(one.segments == 1)
        let two = segmenter.segment(String(repeating: "ж", count: 71))
        #expect(two.parts.map(\.count) == [67, 4])
    }

    @Test("a surrogate pair (emoji) is never split across parts")
    func surrogatePairAtBoundary() {
        let text = String(repeating: "ж", count: 66) + "😀" + "ж"
        let result = segmenter.segment(text)
        #expect(result.encoding == .ucs2)
        #expect(result.units == 69)
        #expect(result.segments == 1)
        let long = String(repeating: "ж", count: 66) + "😀" + String(repeating: "ж", count: 10)
        let split = segmenter.segment(long)
        #expect(split.parts[0] == String(repeating: "ж", count: 66))
        #expect(split.parts[1].hasPrefix("😀"))
        #expect(split.parts.joined() == long)
    }

    @Test("one non-GSM character switches the whole text to UCS-2")
    func encodingChoice() {
        #expect(segmenter.segment("Hello {world} ÄÖÑÜ §").encoding == .gsm7)
        #expect(segmenter.segment("Hello “world”").encoding == .ucs2)
        #expect(segmenter.segment("Ciao è").encoding == .gsm7)
        #expect(segmenter.segment("Ciao ê").encoding == .ucs2)
    }
}
