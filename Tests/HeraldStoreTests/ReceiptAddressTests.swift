import HeraldStore
import Testing

/// Whether a receipt's addresses can be about a message's recipient (``ReceiptMatcher/addressFits(_:_:)``): the rule
/// that tells two candidates with the same provider id apart.
@Suite("Receipt addresses against a recipient")
struct ReceiptAddressTests {
    @Test("the same number in any form fits: +, spaces, a national leading zero, a missing country code")
    func sameNumber() {
        #expect(ReceiptMatcher.addressFits(["+44 7400 123456"], "+447400123456"))
        #expect(ReceiptMatcher.addressFits(["447400123456"], "+447400123456"))
        #expect(ReceiptMatcher.addressFits(["07400123456"], "+447400123456"))
        #expect(ReceiptMatcher.addressFits(["0044-7400-123456"], "+447400123456"))
    }

    @Test("another number does not fit; a suffix of fewer than seven digits is no match")
    func otherNumber() {
        #expect(!ReceiptMatcher.addressFits(["+447400123457"], "+447400123456"))
        #expect(!ReceiptMatcher.addressFits(["+15550123456"], "+447400123456"))
        #expect(!ReceiptMatcher.addressFits(["123456"], "+447400123456"))
        #expect(ReceiptMatcher.addressFits(["+15550123456", "07400123456"], "+447400123456"))  // one of them is enough
    }

    @Test("addresses that say nothing fit everything: alphanumeric senders, short codes, empty, digits outside ASCII")
    func saysNothing() {
        #expect(ReceiptMatcher.addressFits([], "+447400123456"))
        #expect(ReceiptMatcher.addressFits(["Acme", "", "12345"], "+447400123456"))
        #expect(ReceiptMatcher.addressFits(["٤٤٧٤٠٠١٢٣٤٥٦"], "+447400123456"))
        #expect(ReceiptMatcher.addressFits(["+447400123456"], "Acme"))
    }
}
