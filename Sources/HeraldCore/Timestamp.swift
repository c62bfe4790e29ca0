import Foundation

/// RFC 3339 timestamps with milliseconds, in UTC: the only date format of the API.
public enum Timestamp {
    /// `2026-11-22T10:07:41.123Z`.
    public static func format(_ date: Date) -> String {
        // Half a microsecond of slack: a time read from a millisecond text is the nearest Double, which may be a hair below.
        let millis = Int64((date.timeIntervalSince1970 * 1000 + 0.000_5).rounded(.down))
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = Int(millis - seconds * 1000)
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year) else { return String(year) + "-01-01T00:00:00.000Z" }
        // Written as bytes: this runs for every timestamp of every response and export row.
        return String(unsafeUninitializedCapacity: 24) { bytes in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    bytes[index] = UInt8(48 + rest % 10)
                    rest /= 10
                }
            }
            put(year, 4, at: 0)
            bytes[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            bytes[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            bytes[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            bytes[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14)
            bytes[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            bytes[19] = UInt8(ascii: ".")
            put(fraction, 3, at: 20)
            bytes[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Parses RFC 3339 with or without fractional seconds, `Z` or an offset; also a bare date (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        if let date = parseCanonical(text) { return date }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        return dateOnly.date(from: text)
    }

    /// The form Herald writes (`2026-11-22T10:07:41.123Z`, or without the fraction) read by arithmetic: callback
    /// receivers and clients parse every event's timestamps, and a formatter per call costs tens of microseconds. Any
    /// other form (an offset, other fraction widths, a leap second) is left to the formatters.
    static func parseCanonical(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 24 || bytes.count == 20, bytes[bytes.count - 1] == UInt8(ascii: "Z"),
                  bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
            func number(_ offset: Int, _ width: Int) -> Int? {
                var value = 0
                for index in offset..<offset + width {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), hour < 24, minute < 60, second < 60
            else { return nil }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            guard (1...monthDays).contains(day) else { return nil }
            var millis = 0
            if bytes.count == 24 {
                guard bytes[19] == UInt8(ascii: "."), let fraction = number(20, 3) else { return nil }
                millis = fraction
            }
            let seconds = days(fromCivil: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(seconds * 1000 + millis) / 1000)
        }
    }

    /// A civil (year, month, day) to days since 1970-01-01 (the inverse of ``civil(fromDays:)``).
    public static func days(fromCivil year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days since 1970-01-01 to a civil (year, month, day) (Howard Hinnant's algorithm, no Foundation).
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
