/// libphonenumber's per-region numbering plans and time zones, parsed once from the generated table.
struct PhoneMetadata: Sendable {
    struct Region: Sendable {
        /// ISO 3166 code, or `001` for non-geographic numbers (international freephone, satellite).
        var code: String
        var countryCode: Int
        /// Main region of a shared country code (US for +1, GB for +44, RU for +7).
        var isMain: Bool
        var internationalPrefix: PhonePattern?
        var nationalPrefix: String
        var nationalPrefixForParsing: PhonePattern?
        /// Set for regions that share a country code: the national numbers that belong to this one.
        var leadingDigits: PhonePattern?
        var possibleLengths: Set<Int>
        var general: PhonePattern
        var types: [(PhoneNumberType, PhonePattern)]
    }

    var regions: [String: Region] = [:]
    /// Regions per country code, main region first.
    var regionsByCountryCode: [Int: [Region]] = [:]
    /// Time zones by prefix (country code followed by national digits).
    var timeZones: [String: [String]] = [:]

    static let shared = PhoneMetadata(table: generatedTable)

    init(table: String) {
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
                    possibleLengths: Set(fields[8].split(separator: ",").compactMap { Int($0) }),
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
    }
}
