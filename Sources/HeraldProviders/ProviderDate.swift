import Foundation

/// Provider timestamps.
enum ProviderDate {
    /// `YYMMDDhhmm` in UTC (Twilio's `RawDlrDoneDate`, Vonage's `scts`): when the carrier reported the outcome.
    static func minutes(_ text: String?) -> Date? {
        guard let text, text.count == 10, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = text.compactMap(\.wholeNumberValue)
        func pair(_ index: Int) -> Int { digits[index] * 10 + digits[index + 1] }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day, components.hour, components.minute) = (2000 + pair(0), pair(2), pair(4), pair(6), pair(8))
        guard (1...12).contains(pair(2)), (1...31).contains(pair(4)), pair(6) < 24, pair(8) < 60 else { return nil }
        return Calendar(identifier: .gregorian).date(from: components)
    }
}
