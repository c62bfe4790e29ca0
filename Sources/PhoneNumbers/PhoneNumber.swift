/// A phone number parsed and validated against libphonenumber's metadata.
///
/// Accepts the forms people type: `+44 7911 123456`, `0044 7911 123456`, `07911 123456` with a default
/// country of GB, `(415) 555-0100` with US, `011 44 ...` with US (each country's international prefix).
/// Valid means what libphonenumber's `isValidNumber` means: the country code exists, the national number
/// matches one of its regions' plans and a number type.
public struct PhoneNumber: Sendable, Hashable {
    public var countryCode: Int
    /// The national significant number (no national prefix).
    public var nationalNumber: String
    /// ISO 3166 region the number belongs to (`001` for international non-geographic numbers).
    public var region: String
    public var type: PhoneNumberType

    /// `+` country code national number.
    public var e164: String { "+\(countryCode)\(nationalNumber)" }

    /// Whether libphonenumber knows the region code (ISO 3166 alpha-2, upper case).
    public static func isKnownRegion(_ code: String) -> Bool { PhoneMetadata.shared.regions[code] != nil }

    /// The calling code an E.164 number (`+447700900123`) starts with and the main region that uses it (`44`, `GB`):
    /// dictionary lookups only, for counting numbers by destination on a hot path. Nil when no calling code matches.
    public static func callingCode(ofE164 e164: String) -> (code: Int, region: String)? {
        let digits = e164.utf8.dropFirst(e164.hasPrefix("+") ? 1 : 0)
        var code = 0
        for (length, digit) in digits.prefix(3).enumerated() {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            code = code * 10 + Int(digit - UInt8(ascii: "0"))
            if length == 0, code == 0 { return nil }
            if let regions = PhoneMetadata.shared.regionsByCountryCode[code], let region = regions.first(where: \.isMain) ?? regions.first {
                return (code, region.code)
            }
        }
        return nil
    }

    /// Parses `raw`; national forms are read in `defaultRegion` (ISO 3166 alpha-2) when one is given.
    public static func parse(_ raw: String, defaultRegion: String? = nil) -> Result<PhoneNumber, PhoneNumberError> {
        let metadata = PhoneMetadata.shared
        var digits: [UInt8] = []
        var sawPlus = false
        var sawAnything = false
        for character in raw.unicodeScalars {
            switch character {
            case "0"..."9":
                digits.append(UInt8(character.value - 48))
                sawAnything = true
            case "+" where !sawAnything:
                sawPlus = true
                sawAnything = true
            case " ", "\t", "-", ".", "(", ")", "/", "\u{00A0}":
                continue
            default:
                return .failure(.invalidCharacter(Character(character)))
            }
        }
        if digits.isEmpty { return sawPlus ? .failure(.unknownCountryCode) : .failure(.empty) }
        if sawPlus { return international(digits, metadata) }

        guard let defaultRegion else {
            // Without a default country only the 00 international prefix is unambiguous.
            if digits.starts(with: [0, 0]) { return international(Array(digits.dropFirst(2)), metadata) }
            return .failure(.noCountry)
        }
        guard let home = metadata.regions[defaultRegion.uppercased()] else { return .failure(.unknownDefaultCountry(defaultRegion)) }
        if let prefix = home.internationalPrefix {
            for length in prefix.prefixLengths(digits).reversed() where length > 0 {
                if case .success(let number) = international(Array(digits.dropFirst(length)), metadata) { return .success(number) }
            }
        }
        return national(digits, countryCode: home.countryCode, metadata)
    }

    /// Digits after the `+` (or an international prefix): a country code of one to three digits, then the national number.
    private static func international(_ digits: [UInt8], _ metadata: PhoneMetadata) -> Result<PhoneNumber, PhoneNumberError> {
        for length in 1...3 where digits.count > length {
            let code = digits.prefix(length).reduce(0) { $0 * 10 + Int($1) }
            if metadata.regionsByCountryCode[code] != nil {
                return national(Array(digits.dropFirst(length)), countryCode: code, metadata)
            }
        }
        return .failure(.unknownCountryCode)
    }

    /// A national number of a known country code: with or without its national prefix (a trunk `0`, a `1`).
    private static func national(_ digits: [UInt8], countryCode: Int, _ metadata: PhoneMetadata) -> Result<PhoneNumber, PhoneNumberError> {
        guard let regions = metadata.regionsByCountryCode[countryCode], let main = regions.first else { return .failure(.unknownCountryCode) }
        if let number = classify(digits, countryCode: countryCode, regions) { return .success(number) }
        // "+44 (0)7911 ...", "07911 ..." in GB: strip what the plan calls its national prefix and try again.
        for region in regions {
            guard let prefix = region.nationalPrefixForParsing else { continue }
            for length in prefix.prefixLengths(digits).reversed() where length > 0 {
                if let number = classify(Array(digits.dropFirst(length)), countryCode: countryCode, regions) { return .success(number) }
            }
        }
        let name = main.code == "001" ? "+\(countryCode)" : main.code
        if let shortest = main.shortestLength, digits.count < shortest { return .failure(.tooShort(country: name)) }
        if let longest = main.longestLength, digits.count > longest { return .failure(.tooLong(country: name)) }
        return .failure(.notInNumberingPlan(country: name))
    }

    /// The region and type of a national number, as libphonenumber's `getRegionCodeForNumber` finds them.
    private static func classify(_ digits: [UInt8], countryCode: Int, _ regions: [PhoneMetadata.Region]) -> PhoneNumber? {
        guard !digits.isEmpty else { return nil }
        for region in regions {
            if let leading = region.leadingDigits, leading.prefixLengths(digits).isEmpty { continue }
            guard let type = type(of: digits, in: region) else {
                if region.leadingDigits != nil { return nil }
                continue
            }
            return PhoneNumber(countryCode: countryCode, nationalNumber: String(decoding: digits.map { $0 + 48 }, as: UTF8.self),
                               region: region.code, type: type)
        }
        return nil
    }

    private static let specialTypes: [PhoneNumberType] = [.premiumRate, .tollFree, .sharedCost, .voip, .personalNumber, .pager, .uan, .voicemail]

    private static func type(of digits: [UInt8], in region: PhoneMetadata.Region) -> PhoneNumberType? {
        guard region.allowsLength(digits.count), region.general.matches(digits) else { return nil }
        // libphonenumber's order: the special ranges win over fixed line and mobile.
        for special in Self.specialTypes where region.matches(digits, as: special) { return special }
        let fixed = region.matches(digits, as: .fixedLine)
        let mobile = region.fixedLineIsMobile ? fixed : region.matches(digits, as: .mobile)
        if fixed && mobile { return .fixedLineOrMobile }
        if fixed { return .fixedLine }
        if mobile { return .mobile }
        return nil
    }
}

extension PhoneNumber {
    /// IANA time zones of the number's area, most specific prefix first (several when the area spans zones).
    public var timeZones: [String] {
        let digits = e164.dropFirst()
        var prefix = Substring(digits)
        while !prefix.isEmpty {
            if let zones = PhoneMetadata.shared.timeZones[String(prefix)] { return zones }
            prefix = prefix.dropLast()
        }
        return []
    }
}
