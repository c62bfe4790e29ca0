/// What kind of line a number is, as libphonenumber's metadata classifies it.
public enum PhoneNumberType: String, Sendable, Hashable, CaseIterable {
    case mobile
    case fixedLine = "fixed_line"
    /// The metadata cannot tell fixed lines from mobiles in this country (the same ranges are both).
    case fixedLineOrMobile = "fixed_line_or_mobile"
    case tollFree = "toll_free"
    case premiumRate = "premium_rate"
    case sharedCost = "shared_cost"
    case personalNumber = "personal_number"
    case voip
    case pager
    case uan
    case voicemail
}

extension PhoneNumberType {
    /// Position in `allCases`, for tables indexed by type.
    var index: Int {
        switch self {
        case .mobile: 0
        case .fixedLine: 1
        case .fixedLineOrMobile: 2
        case .tollFree: 3
        case .premiumRate: 4
        case .sharedCost: 5
        case .personalNumber: 6
        case .voip: 7
        case .pager: 8
        case .uan: 9
        case .voicemail: 10
        }
    }
}
