@testable import SMSText
import Testing

@Suite("SMS segmentation: ASCII fast path")
struct SMSTextFastPathTests {
    @Test("the ASCII fast path splits exactly as the character-by-character path", arguments: [Set<SMSAlphabet>([.gsm7, .ucs2]), [.gsm7, .latin1, .ucs2]])
    func agreesWithGeneralPath(allowed: Set<SMSAlphabet>) {
        // Every printable ASCII byte plus LF and TAB, extension characters ([]{}|~^\) and non-GSM ones (`) included.
        let alphabet = Array((32..<127).map { Character(Unicode.Scalar(UInt8($0))) }) + ["\n", "\t"]
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 70, 153, 159, 160, 161, 306, 307, 459, 800] {
            for round in 0..<20 {
                // Half the texts plain GSM (letters, digits, space), half from the whole ASCII range.
                let pool = round % 2 == 0 ? Array("abcXYZ019 ,.!?") : alphabet
                let text = String((0..<length).map { _ in pool.randomElement(using: &generator)! })
                let fast = SMSText.segmentASCII(text, allowing: allowed)
                #expect(fast == SMSText.segmentByCharacter(text, allowing: allowed), "\(text.debugDescription)")
            }
        }
        // CR (which pairs with LF into one character) and anything beyond ASCII take the general path.
        #expect(SMSText.segmentASCII("a\r\nb", allowing: allowed) == nil)
        #expect(SMSText.segmentASCII("café", allowing: allowed) == nil)
    }
}
