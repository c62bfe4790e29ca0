import Testing
@testable import PhoneNumbers

/// Expected results come from libphonenumber itself (PyPI phonenumbers 9.0.43: parse, is_valid_number,
/// region_code_for_number, number_type), so the table checks the Swift reading of the generated metadata.
@Suite("Phone numbers")
struct PhoneNumberTests {
    static let formats: [(String, String?, String?, String?, PhoneNumberType?)] = [
        ("+44 7911 123456", nil, "+447911123456", "GG", .mobile),
        ("07911 123456", "GB", "+447911123456", "GG", .mobile),
        ("0044 7911 123456", nil, "+447911123456", "GG", .mobile),  // 00 is read as international without a default
        ("+44 (0)7911 123456", nil, "+447911123456", "GG", .mobile),
        ("+44 7400 123456", nil, "+447400123456", "GB", .mobile),
        ("020 7946 0018", "GB", "+442079460018", "GB", .fixedLine),
        ("(415) 555-2671", "US", "+14155552671", "US", .fixedLineOrMobile),
        ("1 415 555 2671", "US", "+14155552671", "US", .fixedLineOrMobile),
        ("011 44 7911 123456", "US", "+447911123456", "GG", .mobile),
        ("+1 416 555 0123", nil, "+14165550123", "CA", .fixedLineOrMobile),
        ("+1 268 464 1234", nil, "+12684641234", "AG", .mobile),
        ("06 12 34 56 78", "FR", "+33612345678", "FR", .mobile),
        ("+33 6 12 34 56 78", nil, "+33612345678", "FR", .mobile),
        ("0151 12345678", "DE", "+4915112345678", "DE", .mobile),
        ("+49 30 901820", nil, "+4930901820", "DE", .fixedLine),
        ("0412 345 678", "AU", "+61412345678", "AU", .mobile),
        ("0011 44 7911 123456", "AU", "+447911123456", "GG", .mobile),
        ("+91 98765 43210", nil, "+919876543210", "IN", .mobile),
        ("098765 43210", "IN", "+919876543210", "IN", .mobile),
        ("+81 90-1234-5678", nil, "+819012345678", "JP", .mobile),
        ("090-1234-5678", "JP", "+819012345678", "JP", .mobile),
        ("+55 11 91234-5678", nil, "+5511912345678", "BR", .mobile),
        ("(11) 91234-5678", "BR", "+5511912345678", "BR", .mobile),
        ("+234 803 123 4567", nil, "+2348031234567", "NG", .mobile),
        ("0803 123 4567", "NG", "+2348031234567", "NG", .mobile),
        ("+27 82 123 4567", nil, "+27821234567", "ZA", .mobile),
        ("+7 912 345-67-89", nil, "+79123456789", "RU", .mobile),
        ("8 912 345 67 89", "RU", "+79123456789", "RU", .mobile),
        ("+7 701 123 4567", nil, "+77011234567", "KZ", .mobile),
        ("+39 06 1234 5678", nil, "+390612345678", "IT", .fixedLine),
        ("+39 312 345 6789", nil, "+393123456789", "IT", .mobile),
        ("+800 1234 5678", nil, "+80012345678", "001", .tollFree),
        ("+86 138 0013 8000", nil, "+8613800138000", "CN", .mobile),
        ("+971 50 123 4567", nil, "+971501234567", "AE", .mobile),
        ("+65 8123 4567", nil, "+6581234567", "SG", .mobile),
        ("+52 55 1234 5678", nil, "+525512345678", "MX", .fixedLineOrMobile),
        ("+353 85 123 4567", nil, "+353851234567", "IE", .mobile),
        ("+64 21 123 4567", nil, "+64211234567", "NZ", .mobile),
        ("+1 800 555 0199", nil, "+18005550199", "US", .tollFree),
        ("+44 900 123 4567", nil, "+449001234567", "GB", .premiumRate),
        // Invalid in libphonenumber: the UK drama range, too short/long, unknown codes, unassigned area codes.
        ("+52 1 55 1234 5678", nil, nil, nil, nil),
        ("+447700900123", nil, nil, nil, nil),
        ("+44 7911 12345", nil, nil, nil, nil),
        ("+44 7911 1234567", nil, nil, nil, nil),
        ("+999 1234567", nil, nil, nil, nil),
        ("+1 555 123 4567", nil, nil, nil, nil),
        ("4155552671", nil, nil, nil, nil),
        ("+49 1234", nil, nil, nil, nil),
    ]

    @Test("common input forms from many countries parse as libphonenumber parses them", arguments: formats)
    func format(_ entry: (String, String?, String?, String?, PhoneNumberType?)) {
        let (raw, defaultRegion, e164, region, type) = entry
        switch PhoneNumber.parse(raw, defaultRegion: defaultRegion) {
        case .success(let number):
            #expect(number.e164 == e164, "\(raw)")
            #expect(number.region == region, "\(raw)")
            #expect(number.type == type, "\(raw)")
        case .failure(let error):
            #expect(e164 == nil, "\(raw): \(error)")
        }
    }

    @Test("errors say what is wrong and how to fix it")
    func errors() {
        #expect(PhoneNumber.parse("   ") == .failure(.empty))
        #expect(PhoneNumber.parse("4155552671") == .failure(.noCountry))
        #expect(PhoneNumber.parse("+999 1234567") == .failure(.unknownCountryCode))
        #expect(PhoneNumber.parse("+44 7911 12") == .failure(.tooShort(country: "GB")))
        #expect(PhoneNumber.parse("+44 7911 1234567 99") == .failure(.tooLong(country: "GB")))
        #expect(PhoneNumber.parse("+447700900123") == .failure(.notInNumberingPlan(country: "GB")))
        #expect(PhoneNumber.parse("+44 7911 abc") == .failure(.invalidCharacter("a")))
        #expect(PhoneNumber.parse("07911 123456", defaultRegion: "XX") == .failure(.unknownDefaultCountry("XX")))
        #expect(PhoneNumberError.noCountry.fix.contains("default_country"))
    }

    @Test("time zones come from the number's area")
    func timeZones() throws {
        let sanFrancisco = try PhoneNumber.parse("+14155552671").get()
        #expect(sanFrancisco.timeZones == ["America/Los_Angeles"])
        let newYork = try PhoneNumber.parse("+12125550123").get()
        #expect(newYork.timeZones == ["America/New_York"])
        let london = try PhoneNumber.parse("+442079460018").get()
        #expect(london.timeZones == ["Europe/London"])
    }

    @Test("the pattern subset: alternation, classes, counted repetition, anchors")
    func patterns() throws {
        let digits: (String) -> [UInt8] = { $0.utf8.map { $0 - 48 } }
        let pattern = try #require(PhonePattern(#"7(?:[1-3]\d\d|4(?:[0-46-9]\d|5[0-689]))\d{6}"#))
        #expect(pattern.matches(digits("7400123456")))
        #expect(!pattern.matches(digits("7457123456")))
        #expect(!pattern.matches(digits("740012345")))
        let prefix = try #require(PhonePattern("0|180020"))
        #expect(prefix.prefixLengths(digits("1800201234")) == [6])
        let anchored = try #require(PhonePattern(#"([2-7]\d{6})$|1"#))
        #expect(anchored.prefixLengths(digits("2345678")) == [7])
        #expect(anchored.prefixLengths(digits("23456789")) == [])
        #expect(PhonePattern("[1-") == nil)
        #expect(PhonePattern("(?:12") == nil)
    }
}
