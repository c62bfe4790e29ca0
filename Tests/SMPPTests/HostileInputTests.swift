import NIOCore
import SMPP
import SMSText
import Testing

/// Input from the network or the API that once crashed or corrupted a session.
@Suite("Hostile input")
struct HostileInputTests {
    @Test("a done date of Latin-1 superscript digits is no date, not a crash")
    func superscriptDate() {
        let receipt = DeliveryReceipt(text: "id:42 sub:001 dlvrd:001 submit date:2301011200 done date:\u{B9}\u{B2}\u{B3}\u{B9}\u{B2}\u{B3}\u{B9}\u{B2}\u{B3}\u{B9} stat:DELIVRD err:000")
        #expect(receipt.messageID == "42")
        #expect(receipt.doneDate == nil)
        #expect(receipt.submitDate != nil)
        #expect(ReceiptDate("٠١٢٣٤٥٦٧٨٩") == nil, "Arabic-Indic digits are not receipt digits")
    }

    @Test("ids normalise across case, padding and blanks; a decimal id's hex form and a hex id's decimal form are offered")
    func idForms() {
        #expect(MessageIDFormat.normalized(" 0000ABCD\0") == "abcd")
        #expect(MessageIDFormat.normalized("bd5e1bb9-4C2F") == "bd5e1bb9-4c2f")
        #expect(MessageIDFormat.normalized("000") == "0")
        let decimal = MessageIDFormat.alternatives(of: "6699")
        #expect(decimal.decimalAsHex == "1a2b")
        #expect(decimal.hexAsDecimal == "26265")
        let hex = MessageIDFormat.alternatives(of: "00FF")
        #expect(hex.decimalAsHex == nil)
        #expect(hex.hexAsDecimal == "255")
        #expect(MessageIDFormat.alternatives(of: "12345678901234567890123").decimalAsHex == "29d42b64e76714244cb")
        #expect(MessageIDFormat.alternatives(of: String(repeating: "9", count: 41)).decimalAsHex == nil, "bounded work")
        #expect(MessageIDFormat.auto.canonical("00A1") == "a1")
    }

    @Test("a short_message over 254 octets, a NUL in an address or an oversized TLV is refused, never written wrapped")
    func encoderRefuses() {
        var long = SMPPShortMessage(source: .sender("Herald"), destination: .international("+447400123001"))
        long.shortMessage = Array(repeating: 0x41, count: 300)
        let pdu = SMPPPDU.submitSM(long, sequenceNumber: 1)
        #expect(pdu.wireProblem?.contains("short_message is 300 octets") == true)
        var buffer = ByteBuffer()
        #expect(throws: SMPPError.self) { try SMPPEncoder().encode(data: pdu, out: &buffer) }
        #expect(buffer.readableBytes == 0)

        var nul = SMPPShortMessage(source: .sender("Her\0ald"), destination: .international("+447400123001"))
        nul.shortMessage = [0x41]
        #expect(SMPPPDU.submitSM(nul, sequenceNumber: 1).wireProblem?.contains("source_addr") == true)

        var tlv = SMPPShortMessage(source: .sender("Herald"), destination: .international("+447400123001"))
        tlv.tlvs = [SMPPTLV(tag: .messagePayload, value: Array(repeating: 0, count: 70_000))]
        #expect(SMPPPDU.submitSM(tlv, sequenceNumber: 1).wireProblem != nil)

        var fine = SMPPShortMessage(source: .sender("Herald"), destination: .international("+447400123001"))
        fine.shortMessage = Array(repeating: 0x41, count: 254)
        #expect(SMPPPDU.submitSM(fine, sequenceNumber: 1).wireProblem == nil)
    }

    @Test("one grapheme cluster larger than a part is split at the octet limit")
    func combiningMarks() {
        let text = "e" + String(repeating: "\u{0301}", count: 5000)
        let segmentation = SMSText.segment(text)
        #expect(segmentation.alphabet == .ucs2)
        #expect(segmentation.segments == Int((5001 + 66) / 67))
        for part in segmentation.parts {
            #expect((SMSText.encode(part, as: .ucs2)?.count ?? 0) <= 134)
        }
        #expect(segmentation.parts.joined() == text)
    }
}
