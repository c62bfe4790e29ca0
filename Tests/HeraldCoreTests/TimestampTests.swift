import Foundation
import Testing
@testable import HeraldCore

@Suite struct TimestampTests {
    @Test func herald_form_reads_back_to_the_same_millisecond() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            // 1900 .. 2200, whole milliseconds.
            let millis = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let text = Timestamp.format(date)
            let parsed = Timestamp.parse(text)
            // The text is the date to the millisecond (truncated); read back, it writes the same text.
            #expect(parsed.map(Timestamp.format) == text)
            #expect(parsed.map { abs($0.timeIntervalSince(date)) < 0.001 } == true, "\(text)")
        }
    }

    @Test func canonical_reading_agrees_with_the_formatter() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for text in ["2026-12-04T08:46:51.123Z", "2024-02-29T23:59:59.999Z", "2000-01-01T00:00:00.000Z", "1970-01-01T00:00:00.001Z"] {
            let canonical = try #require(Timestamp.parseCanonical(text))
            #expect(abs(canonical.timeIntervalSince1970 - formatter.date(from: text)!.timeIntervalSince1970) < 0.0005, "\(text)")
        }
        #expect(Timestamp.parse("2026-12-04T08:46:51Z") == Date(timeIntervalSince1970: 1_796_374_011))
    }

    @Test func impossible_dates_are_not_read_by_the_fast_path() {
        for text in ["2023-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00.000Z",
                     "2026-01-01T00:60:00.000Z", "2026-01-01T00:00:00.00xZ", "2026-01-01 00:00:00.000Z", "+026-01-01T00:00:00.000Z"] {
            #expect(Timestamp.parseCanonical(text) == nil, "\(text)")
        }
        // Other RFC 3339 forms still go to the formatters.
        #expect(Timestamp.parse("2026-12-04T09:46:51+01:00") == Date(timeIntervalSince1970: 1_796_374_011))
        #expect(Timestamp.parse("2026-12-04") != nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }
}
