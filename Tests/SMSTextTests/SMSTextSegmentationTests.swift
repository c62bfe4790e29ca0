import SMSText
import Testing

@Suite("SMS segmentation")
struct SMSTextSegmentationTests {
    struct Segmenter {
        func segment(_ text: String) -> SMSText.Segmentation { SMSText.segment(text) }
    }
    let segmenter = Segmenter()

    @Test("160 GSM-7 characters fit one part, 161 need two of at most 153")
    func gsmBoundary() {
        let one = segmenter.segment(String(repeating: "a", count: 160))
        #expect(one.alphabet == .gsm7)
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
        #expect(result.alphabet == .gsm7)
        #expect(result.parts[0] == String(repeating: "a", count: 152))
        #expect(result.parts[1].hasPrefix("€"))
    }

    @Test("70 UCS-2 units fit one part, 71 need two of at most 67")
    func ucs2Boundary() {
        let one = segmenter.segment(String(repeating: "ж", count: 70))
        #expect(one.alphabet == .ucs2)
        #expect(one.segments == 1)
        let two = segmenter.segment(String(repeating: "ж", count: 71))
        #expect(two.parts.map(\.count) == [67, 4])
    }

    @Test("a surrogate pair (emoji) is never split across parts")
    func surrogatePairAtBoundary() {
        let text = String(repeating: "ж", count: 66) + "😀" + "ж"
        let result = segmenter.segment(text)
        #expect(result.alphabet == .ucs2)
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
        #expect(segmenter.segment("Hello {world} ÄÖÑÜ §").alphabet == .gsm7)
        #expect(segmenter.segment("Hello “world”").alphabet == .ucs2)
        #expect(segmenter.segment("Ciao è").alphabet == .gsm7)
        #expect(segmenter.segment("Ciao ê").alphabet == .ucs2)
    }
}

@Suite("SMS alphabets")
struct SMSAlphabetTests {
    @Test("GSM-7 writes the extension table as escape pairs, unpacked, and reads it back")
    func gsmRoundTrip() {
        let text = "Price: 5€ [ok] {x} ~|^\\ @£$"
        let bytes = SMSText.encode(text, as: .gsm7)
        #expect(bytes?.prefix(9) == [0x50, 0x72, 0x69, 0x63, 0x65, 0x3A, 0x20, 0x35, 0x1B])
        #expect(bytes?[9] == 0x65)
        #expect(bytes?.suffix(3) == [0x00, 0x01, 0x02])
        #expect(SMSText.decode(bytes ?? [], dataCoding: 0) == text)
    }

    @Test("UCS-2 is big-endian with surrogate pairs for emoji")
    func ucs2() {
        #expect(SMSText.encode("Aé😀", as: .ucs2) == [0x00, 0x41, 0x00, 0xE9, 0xD8, 0x3D, 0xDE, 0x00])
        #expect(SMSText.decode([0x00, 0x41, 0x00, 0xE9, 0xD8, 0x3D, 0xDE, 0x00], dataCoding: 8) == "Aé😀")
    }

    @Test("The smallest alphabet wins: GSM-7, then Latin-1 when the connector allows it, then UCS-2")
    func smallest() {
        #expect(SMSText.alphabet(for: "Ciao è") == .gsm7)
        #expect(SMSText.alphabet(for: "Ça coûte 5 ¤", allowing: [.gsm7, .latin1, .ucs2]) == .latin1)
        #expect(SMSText.alphabet(for: "Ça coûte 5 ¤") == .ucs2)
        #expect(SMSText.alphabet(for: "Привет", allowing: [.gsm7, .latin1, .ucs2]) == .ucs2)
        #expect(SMSText.encode("ûé", as: .latin1) == [0xFB, 0xE9])
        #expect(SMSText.encode("€", as: .latin1) == nil)
        #expect(SMSText.decode([0xFB, 0xE9], dataCoding: 3) == "ûé")
        #expect(SMSText.decode(Array("id:1A2B stat:DELIVRD\r\n".utf8), dataCoding: 3) == "id:1A2B stat:DELIVRD\r\n")
        #expect(SMSText.decode([0x41, 0xE9, 0x00], dataCoding: 3) == "A\u{E9}\u{0}")
    }

    @Test("Latin-1 splits 140 / 134")
    func latin1Limits() {
        let all: Set<SMSAlphabet> = [.gsm7, .latin1, .ucs2]
        #expect(SMSText.segment(String(repeating: "û", count: 140), allowing: all).segments == 1)
        let two = SMSText.segment(String(repeating: "û", count: 141), allowing: all)
        #expect(two.alphabet == .latin1)
        #expect(two.parts.map(\.count) == [134, 7])
    }
}

@Suite("Smart encoding")
struct SmartEncodingTests {
    @Test("Curly quotes, dashes and an ellipsis become GSM-7, and each replacement is reported")
    func replaces() {
        let (text, replaced) = SMSText.gsmFriendly("It’s “ready” – see you… ok")
        #expect(text == "It's \"ready\" - see you... ok")
        #expect(SMSText.alphabet(for: text) == .gsm7)
        #expect(replaced == [
            .init(original: "’", replacement: "'", count: 1), .init(original: "“", replacement: "\"", count: 1),
            .init(original: "”", replacement: "\"", count: 1), .init(original: "–", replacement: "-", count: 1),
            .init(original: "…", replacement: "...", count: 1),
        ])
        // 70 UCS-2 units per part before, 160 septets after: a 100-character text drops from 2 parts to 1.
        let long = String(repeating: "word ", count: 19) + "“x”"
        #expect(SMSText.segment(long).segments == 2)
        #expect(SMSText.segment(SMSText.gsmFriendly(long).text).segments == 1)
    }

    @Test("Text that needs UCS-2 anyway is left alone; GSM-7 text is untouched")
    func leavesAlone() {
        #expect(SMSText.gsmFriendly("“Привет”").replacements.isEmpty)
        #expect(SMSText.gsmFriendly("“Привет”").text == "“Привет”")
        #expect(SMSText.gsmFriendly("“hi” 😀").text == "“hi” 😀")
        #expect(SMSText.gsmFriendly("plain [text] €").replacements.isEmpty)
    }
}
