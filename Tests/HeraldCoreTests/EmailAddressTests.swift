import HeraldCore
import Testing

@Suite("E-mail addresses: RFC 5321 syntax, IDNA domains")
struct EmailAddressTests {
    @Test("Punycode as in RFC 3492 and IDNA A-labels", arguments: [
        ("bücher", "bcher-kva"), ("münchen", "mnchen-3ya"), ("españa", "espaa-rta"), ("中文", "fiq228c"), ("ü", "tda"),
    ])
    func punycode(label: String, expected: String) {
        #expect(Punycode.encode(label) == expected)
    }

    @Test("valid addresses normalise: domain lower case in ASCII, local part kept", arguments: [
        ("Ann@Example.COM", "Ann@example.com"), ("ann@bücher.de", "ann@xn--bcher-kva.de"), ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("\"odd.local\"@example.com", "\"odd.local\"@example.com"), ("josé@example.com", "josé@example.com"), ("o'brien@example.ie", "o'brien@example.ie"),
    ])
    func valid(raw: String, expected: String) {
        #expect(EmailAddress.normalise(raw) == expected)
        #expect(Recipient.normalise(raw, for: .email) == .success(expected))
    }

    @Test("malformed addresses are INVALID_ADDRESS", arguments: [
        "ann", "ann@", "@example.com", "ann@example", "ann@.example.com", "ann@example..com", ".ann@example.com", "ann.@example.com",
        "an..n@example.com", "ann@-example.com", "ann@example-.com", "ann@exa_mple.com", "a(b)@example.com", "ann@example.com.",
        String(repeating: "a", count: 65) + "@example.com", "ann@" + String(repeating: "a", count: 64) + ".com", "ann@@example.com",
    ])
    func invalid(raw: String) {
        #expect(Recipient.normalise(raw, for: .email) == .failure(.invalidAddress))
    }
}
