/// Why a string is not a usable phone number, with the fix to offer the sender.
public struct PhoneNumberError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable {
        case empty
        case invalidCharacter(Character)
        case noCountry
        case unknownCountryCode
        case tooShort(country: String)
        case tooLong(country: String)
        case notInNumberingPlan(country: String)
        case unknownDefaultCountry(String)
    }

    private let kind: Kind

    public static let empty = PhoneNumberError(kind: .empty)
    public static let noCountry = PhoneNumberError(kind: .noCountry)
    public static let unknownCountryCode = PhoneNumberError(kind: .unknownCountryCode)
    static func invalidCharacter(_ character: Character) -> Self { Self(kind: .invalidCharacter(character)) }
    static func tooShort(country: String) -> Self { Self(kind: .tooShort(country: country)) }
    static func tooLong(country: String) -> Self { Self(kind: .tooLong(country: country)) }
    static func notInNumberingPlan(country: String) -> Self { Self(kind: .notInNumberingPlan(country: country)) }
    static func unknownDefaultCountry(_ code: String) -> Self { Self(kind: .unknownDefaultCountry(code)) }

    /// True when nothing but blanks was given (the message is EMPTY_RECIPIENT rather than INVALID_NUMBER).
    public var isEmpty: Bool { kind == .empty }

    public var description: String {
        switch kind {
        case .empty: "the number is empty"
        case .invalidCharacter(let character): "'\(character)' cannot appear in a phone number"
        case .noCountry: "the number has no country code and no default country applies"
        case .unknownCountryCode: "no country uses this country code"
        case .tooShort(let country): "too short for a \(country) number"
        case .tooLong(let country): "too long for a \(country) number"
        case .notInNumberingPlan(let country): "not a number in the \(country) numbering plan"
        case .unknownDefaultCountry(let code): "'\(code)' is not a country code libphonenumber knows"
        }
    }

    /// What the sender can do about it.
    public var fix: String {
        switch kind {
        case .empty: "give the recipient's number, e.g. +447911123456"
        case .invalidCharacter: "use digits, an optional leading +, spaces, dashes, dots, slashes or brackets"
        case .noCountry: "write the number in international form (+44...) or set the account's default_country"
        case .unknownCountryCode: "check the digits after the +"
        case .tooShort, .tooLong, .notInNumberingPlan: "check the number with the recipient"
        case .unknownDefaultCountry: "use an ISO 3166 alpha-2 code such as GB or US"
        }
    }
}
