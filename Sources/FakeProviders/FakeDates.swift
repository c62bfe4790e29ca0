import Foundation
import Synchronization

/// The date formats the fakes write, each formatter made once (making one per request cost the fake more CPU than the
/// rest of a request, on the cores Herald is measured on).
enum FakeDates {
    private static let formatters = Mutex([String: DateFormatter]())

    /// `date` in UTC with a `DateFormatter` pattern, e.g. `yyMMddHHmm`.
    static func utc(_ date: Date, _ pattern: String) -> String {
        formatters.withLock { cache in
            let formatter = cache[pattern] ?? {
                let made = DateFormatter()
                made.locale = Locale(identifier: "en_US_POSIX")
                made.timeZone = TimeZone(identifier: "UTC")
                made.dateFormat = pattern
                return made
            }()
            cache[pattern] = formatter
            return formatter.string(from: date)
        }
    }
}
