import SMPP
import Testing

@Suite("Delivery receipt parsing")
struct DeliveryReceiptTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var id: String?
        var stat: String?
        var err: String?
        var testDescription: String { text }
    }

    static let corpus: [Case] = [
        // SMPP 3.4 Appendix B
        Case(text: "id:0123456789 sub:001 dlvrd:001 submit date:0610191018 done date:0610191018 stat:DELIVRD err:000 text:Hello",
             id: "0123456789", stat: "DELIVRD", err: "000"),
        // Kannel's test SMSC / many aggregators: upper-case keys and Text
        Case(text: "id:7220d7d9 sub:001 dlvrd:001 submit date:1202221234 done date:1202221235 stat:DELIVRD err:000 Text:",
             id: "7220d7d9", stat: "DELIVRD", err: "000"),
        // underscores in date keys (Jasmin / cloudhopper style variants)
        Case(text: "id:bd5e1bb9-4c2f-4c1b-9c1e-9b1a7c0e0d11 sub:001 dlvrd:000 submit_date:1311201530 done_date:1311201531 stat:UNDELIV err:034 text:test",
             id: "bd5e1bb9-4c2f-4c1b-9c1e-9b1a7c0e0d11", stat: "UNDELIV", err: "034"),
        // fields out of order, no text
        Case(text: "stat:EXPIRED err:000 id:1A2B3C", id: "1A2B3C", stat: "EXPIRED", err: "000"),
        // upper-case keys everywhere, long stat words
        Case(text: "ID:99 SUB:001 DLVRD:000 SUBMIT DATE:20231120153000 DONE DATE:20231120153500 STAT:UNDELIVERABLE ERR:001",
             id: "99", stat: "UNDELIVERABLE", err: "001"),
        // missing fields
        Case(text: "id:42 stat:FAILED", id: "42", stat: "FAILED", err: nil),
        // 64-bit overflowing decimal id with leading zeros
        Case(text: "id:000184467440737095516150 sub:001 dlvrd:001 stat:DELIVRD err:0", id: "000184467440737095516150", stat: "DELIVRD", err: "0"),
        // text containing key-like words must not be split
        Case(text: "id:5 stat:DELIVRD err:000 text:id:6 stat:UNDELIV", id: "5", stat: "DELIVRD", err: "000"),
        // Jasmin writes a dash for an empty text and lower-case hex uuids
        Case(text: "id:9b3a1c2e-1f6a-4b0e-8a56-3f2f1d5c7e90 sub:001 dlvrd:001 submit date:2311201530 done date:2311201531 stat:DELIVRD err:000 text:-",
             id: "9b3a1c2e-1f6a-4b0e-8a56-3f2f1d5c7e90", stat: "DELIVRD", err: "000"),
        // lower-case status word, NUL-terminated short message
        Case(text: "id:AB12 sub:001 dlvrd:001 submit date:2311201530 done date:2311201531 stat:delivrd err:000\0", id: "AB12", stat: "delivrd", err: "000"),
        // ACCEPTD intermediate, no err
        Case(text: "id:77 sub:001 dlvrd:000 submit date:2311201530 done date:2311201530 stat:ACCEPTD", id: "77", stat: "ACCEPTD", err: nil),
        // tab separated, text with spaces
        Case(text: "id:5\tsub:001\tdlvrd:000\tstat:UNDELIV\terr:034\ttext:Hello there world", id: "5", stat: "UNDELIV", err: "034"),
        // NACK word (some aggregators) and extra spaces
        Case(text: "id:  77   stat:NACK  err:  257  ", id: "77", stat: "NACK", err: "257"),
    ]

    @Test("Variants of receipt text", arguments: corpus)
    func variants(_ sample: Case) {
        let receipt = DeliveryReceipt(text: sample.text)
        #expect(receipt.messageID == sample.id)
        #expect(receipt.stat == sample.stat)
        #expect(receipt.error == sample.err)
    }

    @Test("Dates of 10, 12 and 14 digits")
    func dates() {
        let receipt = DeliveryReceipt(text: "id:1 submit date:2311201530 done date:231120153045 stat:DELIVRD")
        #expect(receipt.submitDate == ReceiptDate("2311201530"))
        #expect(receipt.doneDate?.second == 45)
        #expect(ReceiptDate("20231120153045")?.year == 2023)
        #expect(ReceiptDate("20231120153045")?.secondsSince1970() == 1_700_494_245)
        #expect(ReceiptDate("2313201530") == nil)
        #expect(ReceiptDate(secondsSince1970: 1_700_494_245).text == "231120153045")
        #expect(ReceiptDate(secondsSince1970: 951_825_600).text == "000229120000")  // leap day 2000
        #expect(ReceiptDate("123") == nil)
    }

    @Test("TLVs win over the text: receipted_message_id, message_state, network_error_code")
    func tlvsFirst() {
        let receipt = DeliveryReceipt(
            text: "id:WRONG stat:DELIVRD err:000",
            tlvs: [.cString(.receiptedMessageID, "right"), .uint8(.messageState, 5), SMPPTLV(tag: .networkErrorCode, value: [3, 0, 34])]
        )
        #expect(receipt.messageID == "right")
        #expect(receipt.stat == "UNDELIV")
        #expect(receipt.messageState == 5)
        #expect(receipt.networkErrorCode == "3:34")
    }

    @Test("A data_sm receipt with TLVs only and no text")
    func tlvOnly() {
        let receipt = DeliveryReceipt(text: "", tlvs: [.cString(.receiptedMessageID, "ab12"), .uint8(.messageState, 2)])
        #expect(receipt.messageID == "ab12")
        #expect(receipt.stat == "DELIVRD")
    }

    @Test("Ids compare across hex and decimal, case and leading zeros, beyond 64 bits")
    func idFormats() {
        #expect(MessageIDFormat.hex.canonical("0000100A") == MessageIDFormat.decimal.canonical("4106"))
        #expect(MessageIDFormat.hex.canonical("ABCDEF") == MessageIDFormat.hex.canonical("00abcdef"))
        #expect(MessageIDFormat.decimal.canonical("000184467440737095516150") == MessageIDFormat.hex.canonical("9FFFFFFFFFFFFFFF6"))
        #expect(MessageIDFormat.string.canonical(" Ab-1 ") == "ab-1")
        #expect(MessageIDFormat.hex.canonical("not-hex") == "not-hex")
        #expect(MessageIDFormat.decimal.canonical("0") == "0")
    }

    @Test("Ids at the 64-bit edge convert the same on either side of it; blanks and NULs around an id are dropped")
    func idFormatEdges() {
        #expect(MessageIDFormat.alternatives(of: "FFFFFFFFFFFFFFFF").hexAsDecimal == "18446744073709551615")
        #expect(MessageIDFormat.alternatives(of: "10000000000000000").hexAsDecimal == "18446744073709551616")
        #expect(MessageIDFormat.alternatives(of: "18446744073709551615").decimalAsHex == "ffffffffffffffff")
        #expect(MessageIDFormat.alternatives(of: "18446744073709551616").decimalAsHex == "10000000000000000")
        #expect(MessageIDFormat.alternatives(of: "0").decimalAsHex == "0")
        #expect(MessageIDFormat.string.canonical("\0 \tAb-1\r\n\0") == "ab-1")
        #expect(MessageIDFormat.string.canonical(" \r\n ") == "")
        #expect(MessageIDFormat.string.canonical("Über-1 ") == "über-1")
    }
}
