/// libphonenumber's per-region numbering plans and time zones, parsed once from the generated table.
final class PhoneMetadata: Sendable {
    /// One region's plan. A class: the parser hands regions around on every parse, and copying a struct of a
    /// dozen patterns costs more reference counting than the matching itself.
    final class Region: Sendable {
        /// ISO 3166 code, or `001` for non-geographic numbers (international freephone, satellite).
        let code: String
        let countryCode: Int
        /// Main region of a shared country code (US for +1, GB for +44, RU for +7).
        let isMain: Bool
        let internationalPrefix: PhonePattern?
        let nationalPrefix: String
        let nationalPrefixForParsing: PhonePattern?
        /// Set for regions that share a country code: the national numbers that belong to this one.
        let leadingDigits: PhonePattern?
        /// Bit n set: a national number of n digits is possible (0: any length).
        let possibleLengths: UInt32
        let general: PhonePattern
        /// Pattern per type, indexed like `PhoneNumberType.allCases`.
        let typePatterns: [PhonePattern?]

        init(code: String, countryCode: Int, isMain: Bool, internationalPrefix: PhonePattern?, nationalPrefix: String,
             nationalPrefixForParsing: PhonePattern?, leadingDigits: PhonePattern?, possibleLengths: [Int], general: PhonePattern,
             types: [(PhoneNumberType, PhonePattern)]) {
            self.code = code
            self.countryCode = countryCode
            self.isMain = isMain
            self.internationalPrefix = internationalPrefix
            self.nationalPrefix = nationalPrefix
            self.nationalPrefixForParsing = nationalPrefixForParsing
            self.leadingDigits = leadingDigits
            self.possibleLengths = possibleLengths.reduce(0) { $0 | ($1 < 32 ? 1 << UInt32($1) : 0) }
            self.general = general
            var patterns = [PhonePattern?](repeating: nil, count: PhoneNumberType.allCases.count)
            for (type, pattern) in types { patterns[type.index] = pattern }
            self.typePatterns = patterns
            fixedLineIsMobile = patterns[PhoneNumberType.fixedLine.index] != nil
                && patterns[PhoneNumberType.fixedLine.index]?.source == patterns[PhoneNumberType.mobile.index]?.source
        }

        /// The plan uses one pattern for both (the US, Canada): match it once.
        let fixedLineIsMobile: Bool

        func allowsLength(_ count: Int) -> Bool {
            possibleLengths == 0 || (count < 32 && possibleLengths & (1 << UInt32(count)) != 0)
        }

        var shortestLength: Int? { possibleLengths == 0 ? nil : possibleLengths.trailingZeroBitCount }
        var longestLength: Int? { possibleLengths == 0 ? nil : 31 - possibleLengths.leadingZeroBitCount }

        /// Whether the national number is of this type here.
        func matches(_ digits: [UInt8], as type: PhoneNumberType) -> Bool {
            typePatterns[type.index]?.matches(digits) ?? false
        }
    }

    let regions: [String: Region]
    /// Regions per country code, main region first.
    let regionsByCountryCode: [Int: [Region]]
    /// Time zones by prefix (country code followed by national digits).
    let timeZones: [String: [String]]

    static let shared = PhoneMetadata(table: generatedTable)

    init(table: String) {
        var regions: [String: Region] = [:]
        var regionsByCountryCode: [Int: [Region]] = [:]
        var timeZones: [String: [String]] = [:]
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch fields.first {
            case "R" where fields.count >= 10:
                guard let countryCode = Int(fields[2]), let general = PhonePattern(fields[9]) else { continue }
                let types: [(PhoneNumberType, PhonePattern)] = fields.dropFirst(10).compactMap { field in
                    guard let equals = field.firstIndex(of: "="),
                          let type = PhoneNumberType(rawValue: String(field[..<equals])),
                          let pattern = PhonePattern(String(field[field.index(after: equals)...]))
                    else { return nil }
                    return (type, pattern)
                }
                let region = Region(
                    code: fields[1], countryCode: countryCode, isMain: fields[3] == "1",
                    internationalPrefix: fields[4].isEmpty ? nil : PhonePattern(fields[4]),
                    nationalPrefix: fields[5],
                    nationalPrefixForParsing: fields[6].isEmpty ? (fields[5].isEmpty ? nil : PhonePattern(fields[5])) : PhonePattern(fields[6]),
                    leadingDigits: fields[7].isEmpty ? nil : PhonePattern(fields[7]),
                    possibleLengths: fields[8].split(separator: ",").compactMap { Int($0) },
                    general: general, types: types
                )
                if region.code != "001" { regions[region.code] = region }
                if region.isMain {
                    regionsByCountryCode[countryCode, default: []].insert(region, at: 0)
                } else {
                    regionsByCountryCode[countryCode, default: []].append(region)
                }
            case "Z" where fields.count == 3:
                timeZones[fields[1]] = fields[2].split(separator: "&").map(String.init)
            default:
                continue
            }
        }
        self.regions = regions
        self.regionsByCountryCode = regionsByCountryCode
        self.timeZones = timeZones
    }
}
